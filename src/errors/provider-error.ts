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
  /** How long the provider asked not to be asked again (a 429's or 503's Retry-After). */
  readonly retryAfterMs?: number

  constructor(
    kind: ErrorKind,
    message: string,
    options: { status?: number; cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'ProviderError'
    this.kind = kind
    this.status = options.status
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs
  }
}

/** A Retry-After is honoured for at most this long. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000

/**
 * A Retry-After header (seconds, or an HTTP date) as milliseconds from `now`, capped at an hour;
 * undefined when absent, unreadable or already past.
 */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined
  const trimmed = header.trim()
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now
  if (!Number.isFinite(ms) || ms <= 0) return undefined
  return Math.min(ms, MAX_RETRY_AFTER_MS)
}

/** Maps an HTTP status of a provider's listing API to the error kind it means. */
export function kindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return 'auth'
  if (status === 429) return 'rate_limited'
  return 'bad_status'
}
