import { createPublicKey, verify } from 'node:crypto'
import { type FakeProvider, type FakeRequest, type Reply, fixture, json, notFound } from './fixtures'

/**
 * Vertex AI: a token endpoint and the publisher model list.
 *
 * Token endpoint: `POST <fake base>/token/<public key>`, where the last segment is the
 * base64url SPKI DER of the public key the test generated. The fake verifies the RS256 signature
 * of the jwt-bearer assertion with it and checks the claims; it answers oauth-token.json, or 400
 * oauth-error-invalid-grant.json when the signature does not verify.
 *
 * List: `GET /v1beta1/publishers/google/models?pageSize=100` needs `Authorization: Bearer <the
 * oauth-token.json token>` (else 401 error-401.json) and `x-goog-user-project: rs-test-project`.
 */
export const VERTEX_FAKE_PROJECT = 'rs-test-project'
const accessToken = () => (JSON.parse(fixture('vertex/oauth-token.json')) as { access_token: string }).access_token
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform'
const PAGE_SIZE = 3

const googleError = (code: number, status: string, message: string): Reply => ({
  status: code,
  body: JSON.stringify({ error: { code, message, status } }),
})

const invalidGrant = (description: string): Reply => ({
  status: 400,
  body: JSON.stringify({ error: 'invalid_grant', error_description: description }),
})

function tokenEndpoint(request: FakeRequest): Reply {
  const publicKey = request.path.slice('/token/'.length)
  if (request.method !== 'POST') return notFound(`${request.method} ${request.path}`)
  if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
    return { status: 400, body: JSON.stringify({ error: 'invalid_request', error_description: 'not form-encoded' }) }
  }
  const form = new URLSearchParams(request.body)
  if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
    const body = JSON.stringify({ error: 'unsupported_grant_type', error_description: 'Invalid grant_type' })
    return { status: 400, body }
  }
  const parts = (form.get('assertion') ?? '').split('.')
  if (parts.length !== 3) return invalidGrant('Invalid JWT: not three parts')
  const [header, claims, signature] = parts as [string, string, string]
  let key
  try {
    key = createPublicKey({ key: Buffer.from(publicKey, 'base64url'), format: 'der', type: 'spki' })
  } catch {
    return invalidGrant('fake: the token URL does not carry a public key')
  }
  if (!verify('sha256', Buffer.from(`${header}.${claims}`), key, Buffer.from(signature, 'base64url'))) {
    return json('vertex/oauth-error-invalid-grant.json', 400)
  }
  const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>
  const claim = JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>
  if (head.alg !== 'RS256' || head.typ !== 'JWT') return invalidGrant('Invalid JWT: header must be RS256 JWT')
  if (typeof claim.iss !== 'string' || !claim.iss.endsWith('.iam.gserviceaccount.com')) {
    return invalidGrant('Invalid JWT: iss is not a service account')
  }
  if (claim.scope !== SCOPE) return invalidGrant('Invalid JWT: wrong scope')
  // aud must be this very endpoint.
  let aud: URL | undefined
  try {
    aud = new URL(String(claim.aud))
  } catch {
    aud = undefined
  }
  if (!aud || aud.host !== request.headers.host || !aud.pathname.endsWith(request.path)) {
    return invalidGrant('Invalid JWT: aud is not this token endpoint')
  }
  const now = Math.floor(Date.now() / 1000)
  const { iat, exp } = claim as { iat?: unknown; exp?: unknown }
  if (typeof iat !== 'number' || typeof exp !== 'number' || Math.abs(iat - now) > 300 || exp - iat !== 3600) {
    return invalidGrant('Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.')
  }
  return json('vertex/oauth-token.json')
}

type Lister = (request: FakeRequest, userProject: string | undefined) => Reply

function vertexFake(list: Lister): FakeProvider {
  return (request) => {
    if (request.path.startsWith('/token/')) return tokenEndpoint(request)
    if (request.path !== '/v1beta1/publishers/google/models') return notFound(request.path)
    if (request.headers.authorization !== `Bearer ${accessToken()}`) return json('vertex/error-401.json', 401)
    if (request.query.get('pageSize') !== '100') {
      return googleError(400, 'INVALID_ARGUMENT', 'fake wants pageSize=100')
    }
    const project = request.headers['x-goog-user-project']
    return list(request, typeof project === 'string' ? project : undefined)
  }
}

const needsProject =
  (list: (request: FakeRequest) => Reply): Lister =>
  (request, project) =>
    project === VERTEX_FAKE_PROJECT ? list(request) : json('vertex/error-403-user-project-denied.json', 403)

const allModels = () =>
  (JSON.parse(fixture('vertex/publisher-models.json')) as { publisherModels: unknown[] }).publisherModels

/** Three models per page; `failOnPage` (1-based) answers 503 instead. */
function paged(failOnPage?: number) {
  return (request: FakeRequest): Reply => {
    const token = request.query.get('pageToken')
    const page = token ? Number(token.replace('page-', '')) : 1
    if (page === failOnPage) {
      return googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.')
    }
    const models = allModels()
    const start = (page - 1) * PAGE_SIZE
    const more = start + PAGE_SIZE < models.length
    const publisherModels = models.slice(start, start + PAGE_SIZE)
    return {
      status: 200,
      body: JSON.stringify({ publisherModels, ...(more ? { nextPageToken: `page-${page + 1}` } : {}) }),
    }
  }
}

/** publisher-models.json as one page. */
export const vertex = vertexFake(needsProject(() => json('vertex/publisher-models.json')))

/** The same models over three pages. */
export const vertexPaged = vertexFake(needsProject(paged()))

/** Page 1 answers, page 2 fails. */
export const vertexPage2Fail = vertexFake(needsProject(paged(2)))

/** The caller may not bill the project: any x-goog-user-project is refused with 403 USER_PROJECT_DENIED. */
export const vertexNoProject = vertexFake((_request, project) =>
  project ? json('vertex/error-403-user-project-denied.json', 403) : json('vertex/publisher-models.json'),
)
