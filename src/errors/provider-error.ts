/** Every ErrorKind; the response schemas list them. */
export const ERROR_KINDS = [
  'auth',
  'network',
  'timeout',
  'rate_limited',
  'bad_status',
  'bad_payload',
  'unconfigured',
  'unsupported',
  'no_declared_models',
  'internal',
] as const

/**
 * Why a backend could not be observed. The kind is what callers branch on (status, retries,
 * HTTP mapping); the message is what an operator reads and always names the provider.
 */
export type ErrorKind = (typeof ERROR_KINDS)[number]

export class ProviderError extends Error {
  readonly kind: ErrorKind
  readonly status?: number

  constructor(kind: ErrorKind, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'ProviderError'
    this.kind = kind
    this.status = options.status
  }
}

/** Maps an HTTP status of a provider's listing API to the error kind it means. */
export function kindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return 'auth'
  if (status === 429) return 'rate_limited'
  return 'bad_status'
}
