import { AwsV4Signer } from 'aws4fetch'
import { type FakeProvider, type FakeRequest, type Reply, fixture, json, notFound } from './fixtures'

/**
 * Bedrock's control plane: `GET …/foundation-models` and `GET …/inference-profiles`, answered
 * only when SigV4-signed (service `bedrock`) with the fake credentials below for the region the
 * base URL names: its id is `<region>` or `<region>.<anything>`, e.g. `/bedrock/ok/eu-west-1.t1`.
 * Anything else gets 403 InvalidSignatureException, as AWS answers a wrong secret or region.
 */
export const BEDROCK_FAKE_ACCESS_KEY_ID = 'ASIATESTFAKEKEYID000'
export const BEDROCK_FAKE_SECRET = 'test-Zq8Kd2Lm9Xv4Rt7Wp3Ny'

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/

const awsError = (file: string, status: number, type: string): Reply => ({
  status,
  body: fixture(`bedrock/${file}`),
  headers: { 'x-amzn-ErrorType': `${type}:http://internal.amazon.com/coral/com.amazon.coral.service/` },
})
const badSignature = () => awsError('error-403-signature.json', 403, 'InvalidSignatureException')

/** The region the fake expects: the id segment of `/<provider>/<behaviour>/<id>/…`, up to a dot. */
function expectedRegion(request: FakeRequest): string {
  return (request.url.split('?')[0]!.split('/')[3] ?? '').split('.')[0]!
}

/** Recomputes the request's signature with the known secret; undefined when it is right. */
async function rejectUnsigned(request: FakeRequest): Promise<Reply | undefined> {
  const authorization = request.headers.authorization ?? ''
  const match = AUTHORIZATION.exec(authorization)
  if (!match) return badSignature()
  const [, accessKeyId, date, region, service, signedHeaders] = match
  if (accessKeyId !== BEDROCK_FAKE_ACCESS_KEY_ID || service !== 'bedrock' || region !== expectedRegion(request)) {
    return badSignature()
  }
  const headers: Record<string, string> = {}
  for (const name of signedHeaders!.split(';')) {
    if (name === 'host') continue
    const value = request.headers[name]
    if (value === undefined) return badSignature()
    headers[name] = Array.isArray(value) ? value.join(',') : value
  }
  const datetime = headers['x-amz-date']
  if (!datetime || datetime.slice(0, 8) !== date) return badSignature()
  const signer = new AwsV4Signer({
    method: request.method,
    url: `http://${request.headers.host}${request.url}`,
    headers,
    accessKeyId: BEDROCK_FAKE_ACCESS_KEY_ID,
    secretAccessKey: BEDROCK_FAKE_SECRET,
    service: 'bedrock',
    region: region,
    datetime,
  })
  const expected = (await signer.sign()).headers.get('authorization')
  return expected === authorization ? undefined : badSignature()
}

const profilesFixture = () =>
  (JSON.parse(fixture('bedrock/inference-profiles.json')) as { inferenceProfileSummaries: unknown[] })
    .inferenceProfileSummaries

/** Inference profiles two per page, chained by an opaque `nextToken` that needs URL-encoding. */
function profilesPage(request: FakeRequest, failSecondPage: boolean): Reply {
  const all = profilesFixture()
  const token = request.query.get('nextToken')
  if (token && failSecondPage) {
    return {
      status: 500,
      body: JSON.stringify({ message: 'Internal server error' }),
      headers: { 'x-amzn-ErrorType': 'InternalServerException' },
    }
  }
  const start = token ? Number(token.split('/')[1]) : 0
  if (Number.isNaN(start)) return { status: 400, body: JSON.stringify({ message: 'Invalid nextToken' }) }
  const next = start + 2 < all.length ? `page/${start + 2}/==` : undefined
  return {
    status: 200,
    body: JSON.stringify({
      inferenceProfileSummaries: all.slice(start, start + 2),
      ...(next ? { nextToken: next } : {}),
    }),
  }
}

function bedrockFake(answer: (request: FakeRequest) => Reply): FakeProvider {
  return async (request) => {
    const rejected = await rejectUnsigned(request)
    if (rejected) return rejected
    if (request.method !== 'GET') return notFound(`${request.method} ${request.path}`)
    if (request.path === '/inference-profiles' && request.query.get('type') !== 'SYSTEM_DEFINED') {
      return { status: 400, body: JSON.stringify({ message: 'the fake only serves type=SYSTEM_DEFINED' }) }
    }
    return answer(request)
  }
}

const fixtures = (profiles: (request: FakeRequest) => Reply) => (request: FakeRequest) => {
  if (request.path === '/foundation-models') return json('bedrock/foundation-models.json')
  if (request.path === '/inference-profiles') return profiles(request)
  return notFound(request.path)
}

export const bedrockFakes: Record<string, FakeProvider> = {
  bedrock: bedrockFake(fixtures(() => json('bedrock/inference-profiles.json'))),
  'bedrock-paged': bedrockFake(fixtures((request) => profilesPage(request, false))),
  'bedrock-page2-fails': bedrockFake(fixtures((request) => profilesPage(request, true))),
  'bedrock-throttled': bedrockFake(() => awsError('error-429-throttling.json', 429, 'ThrottlingException')),
  'bedrock-denied': bedrockFake(() => awsError('error-403-access-denied.json', 403, 'AccessDeniedException')),
}
