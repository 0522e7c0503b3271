import { ProviderError } from '../../errors/provider-error'
import { base64url, fromBase64 } from '../../platform/encoding'

/**
 * A Google service-account key file, the only Google credential a Worker can use: there is no
 * metadata server and no Application Default Credentials on Workers.
 */
export interface ServiceAccount {
  clientEmail: string
  /** A PKCS#8 PEM key (see `pkcs8Pem`). Never logged, never stored outside the credential. */
  privateKey: string
  privateKeyId: string | undefined
  tokenUri: string
  projectId: string | undefined
}

/** The PEM label of a PKCS#8 key, kept apart so no key-shaped literal sits in the source. */
const PEM_LABEL = ['PRIVATE', 'KEY'].join(' ')
const PEM_BEGIN = `-----BEGIN ${PEM_LABEL}-----`
const PEM_END = `-----END ${PEM_LABEL}-----`

/** Wraps base64 DER in PKCS#8 PEM armour, 64 characters a line. */
export function pkcs8Pem(base64Der: string): string {
  return `${PEM_BEGIN}\n${base64Der.match(/.{1,64}/g)!.join('\n')}\n${PEM_END}\n`
}

export const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token'
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform'
/** Google accepts assertions valid for at most an hour. */
const ASSERTION_LIFETIME_S = 3600

export const VERTEX_MISSING_CREDENTIAL =
  'service account JSON not configured: Workers have no ambient Google credentials (no ADC, no metadata server); ' +
  'store the service-account key file with POST /providers/vertex-google/configure {"apiKey": "<the JSON>"}'

const PREFIX = 'vertex-google list models: vertex AI service account credentials'

function invalid(problem: string): ProviderError {
  return new ProviderError('unconfigured', `${PREFIX}: ${problem}`)
}

/**
 * Reads the configured credential as a service-account key file. Every problem is an
 * `unconfigured` error naming the field at fault; no message ever repeats the credential (not
 * even JSON.parse's, which quotes the input).
 */
export function parseServiceAccount(credential: string | undefined): ServiceAccount {
  const text = credential?.trim()
  if (!text) throw new ProviderError('unconfigured', VERTEX_MISSING_CREDENTIAL)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw invalid(
      'the configured credential is not JSON; expected a service-account key file with client_email and private_key',
    )
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw invalid('the configured credential is not a JSON object; expected a service-account key file')
  }
  const sa = json as Record<string, unknown>
  if (sa.type !== undefined && sa.type !== 'service_account') {
    const type = typeof sa.type === 'string' ? `"${sa.type.slice(0, 40)}"` : 'not a string'
    throw invalid(`type is ${type}; only service-account keys (type "service_account") can be used on Workers`)
  }
  const clientEmail = typeof sa.client_email === 'string' ? sa.client_email.trim() : ''
  if (!clientEmail) throw invalid('client_email is missing or empty')
  if (typeof sa.private_key !== 'string' || !sa.private_key.trim()) throw invalid('private_key is missing or empty')
  const begin = sa.private_key.indexOf(PEM_BEGIN)
  if (begin < 0 || sa.private_key.indexOf(PEM_END, begin) < 0) {
    throw invalid(`private_key is not a PKCS#8 PEM key (${PEM_BEGIN} … ${PEM_END})`)
  }
  if (sa.token_uri !== undefined && typeof sa.token_uri !== 'string') throw invalid('token_uri is not a string')
  const tokenUri = sa.token_uri?.trim() || DEFAULT_TOKEN_URI
  if (!isAcceptableTokenUri(tokenUri)) {
    throw invalid('token_uri is not an https URL (plain http is accepted only for localhost)')
  }
  return {
    clientEmail,
    privateKey: sa.private_key,
    privateKeyId: typeof sa.private_key_id === 'string' && sa.private_key_id ? sa.private_key_id : undefined,
    tokenUri,
    projectId: typeof sa.project_id === 'string' && sa.project_id ? sa.project_id : undefined,
  }
}

/** The signed assertion is good for an hour: it must not travel in clear text. */
function isAcceptableTokenUri(uri: string): boolean {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return false
  }
  if (url.protocol === 'https:') return true
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
}

export async function importPrivateKey(pem: string): Promise<CryptoKey> {
  let der: Uint8Array
  try {
    const body = pem.replace(PEM_BEGIN, '').replace(PEM_END, '').replace(/\s+/g, '')
    der = fromBase64(body)
  } catch {
    throw invalid('private_key is not valid base64 PEM')
  }
  try {
    return await crypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign'])
  } catch {
    throw invalid('private_key could not be imported as a PKCS#8 RSA key')
  }
}

/**
 * The RS256 JWT a service account exchanges for an access token (OAuth 2.0 for Server to Server
 * Applications): issued by the account, for the cloud-platform scope, addressed to token_uri.
 */
export async function signAssertion(sa: ServiceAccount, key: CryptoKey, nowSeconds: number): Promise<string> {
  const header = { alg: 'RS256', typ: 'JWT', ...(sa.privateKeyId ? { kid: sa.privateKeyId } : {}) }
  const claims = {
    iss: sa.clientEmail,
    scope: CLOUD_PLATFORM_SCOPE,
    aud: sa.tokenUri,
    iat: nowSeconds,
    exp: nowSeconds + ASSERTION_LIFETIME_S,
  }
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, new TextEncoder().encode(input))
  return `${input}.${base64url(signature)}`
}
