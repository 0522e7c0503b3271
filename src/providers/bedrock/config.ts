import { ProviderError } from '../../errors/provider-error'

export const BEDROCK_CREDENTIAL_SHAPE = '{"access_key_id", "secret_access_key", "session_token"?, "region"?}'
export const MISSING_AWS_CREDENTIALS = 'AWS credentials not configured'

export interface BedrockCredential {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  region?: string
}

/**
 * The stored credential: JSON `{access_key_id, secret_access_key, session_token?, region?}`
 * (Workers have no ambient AWS credential chain). Messages name fields, never their values.
 */
export function parseBedrockCredential(credential: string | undefined): BedrockCredential {
  if (!credential?.trim()) throw new ProviderError('unconfigured', MISSING_AWS_CREDENTIALS)
  let json: unknown
  try {
    json = JSON.parse(credential)
  } catch {
    // The parser's message can quote the input: say only that it is not JSON.
    throw invalid('it is not JSON')
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid('it is not a JSON object')
  const record = json as Record<string, unknown>
  const field = (key: string, required: boolean): string | undefined => {
    const value = record[key]
    if (value === undefined || value === null || (typeof value === 'string' && !value.trim())) {
      if (required) throw invalid(`"${key}" is missing`)
      return undefined
    }
    if (typeof value !== 'string') throw invalid(`"${key}" must be a string`)
    return value.trim()
  }
  const accessKeyId = field('access_key_id', true)!
  const secretAccessKey = field('secret_access_key', true)!
  const sessionToken = field('session_token', false)
  const region = field('region', false)?.toLowerCase()
  if (region !== undefined && !isRegion(region)) throw invalid('"region" is not an AWS region name like us-east-1')
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}), ...(region ? { region } : {}) }
}

function invalid(problem: string): ProviderError {
  return new ProviderError('unconfigured', `Bedrock credential must be JSON ${BEDROCK_CREDENTIAL_SHAPE}: ${problem}`)
}

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/
const BEDROCK_HOST = /^bedrock(?:-runtime)?(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/

export function isRegion(value: string): boolean {
  return REGION.test(value)
}

export interface BedrockEndpoint {
  /** The control-plane base the listing paths are appended to. */
  base: string
  /** The region requests are signed for. */
  region: string
}

/**
 * Where to list and which region to sign for: the region in the base URL host
 * (`bedrock.<region>.amazonaws.com`, also the `bedrock-runtime.` host, whose control plane is
 * `bedrock.`), else the credential's `region`. A blank base URL means AWS's own endpoint; a bare
 * region name (seed behaviour) means AWS's endpoint in that region. Any other URL (a VPC endpoint,
 * a proxy, a local fake) is used as is, signed for the credential's region.
 */
export function resolveBedrockEndpoint(baseUrl: string, credentialRegion: string | undefined): BedrockEndpoint {
  const raw = baseUrl.trim()
  if (!raw || isRegion(raw.toLowerCase())) {
    const region = raw.toLowerCase() || credentialRegion
    if (!region) throw missingRegion()
    return { base: `https://bedrock.${region}.amazonaws.com`, region }
  }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ProviderError('unconfigured', `invalid Bedrock base URL "${raw}"`)
  }
  const hostRegion = BEDROCK_HOST.exec(url.hostname.toLowerCase())?.[1]
  if (hostRegion) {
    url.hostname = url.hostname.replace(/^bedrock-runtime/i, 'bedrock')
    return { base: url.toString().replace(/\/+$/, ''), region: hostRegion }
  }
  if (!credentialRegion) throw missingRegion()
  return { base: raw.replace(/\/+$/, ''), region: credentialRegion }
}

function missingRegion(): ProviderError {
  return new ProviderError(
    'unconfigured',
    'Bedrock region not configured: use a base URL like https://bedrock.us-east-1.amazonaws.com or add "region" to the credential JSON',
  )
}
