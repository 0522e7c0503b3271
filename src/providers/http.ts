import { type ErrorKind, ProviderError, kindForStatus, retryAfterMs } from '../errors/provider-error'
import { clipErrorBody, htmlPageType, providerErrorDetail } from './error-text'
import { networkError } from './network-error'
import { formatBytes, readCapped, readPrefix } from './read-body'
import type { ListContext } from './types'

export { clipErrorBody } from './error-text'

/** An error body is read this far: enough for any provider's message, never a whole page. */
const ERROR_BODY_BYTES = 64 * 1024
/** Same-origin redirects followed before the call counts as failed. */
const MAX_REDIRECTS = 3
const REDIRECTS = new Set([301, 302, 303, 307, 308])

export interface RequestOptions {
  /** Names the call in messages, e.g. "OpenAI catalog" → "OpenAI catalog returned 401: …". */
  label: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** Turns an error body into the text shown after the status; default: the provider's own message field. */
  errorDetail?: (body: string, headers: Headers) => string | undefined
  /** A provider that names its failures (e.g. AWS's x-amzn-ErrorType) decides the kind; default: by status. */
  errorKind?: (status: number, body: string, headers: Headers) => ErrorKind | undefined
}

/** A request that must be built per URL (signed, say): followed redirects are signed again. */
export interface SignedTarget {
  url: string
  sign: (url: string) => Promise<Request>
}

/**
 * One provider HTTP call that answers JSON. Every failure becomes a ProviderError of the right
 * kind: timeout when the probe's deadline aborted it, network when no answer came, auth /
 * rate_limited / bad_status from the status (or a redirect to another origin, never followed),
 * bad_payload when the body is too large, an HTML page, or not JSON.
 */
export async function requestJson(
  ctx: ListContext,
  target: string | SignedTarget,
  options: RequestOptions,
): Promise<unknown> {
  const { label } = options
  const { response, url } = await send(ctx, target, options)
  if (!response.ok) throw await statusError(ctx, response, options)

  const limit = Math.min(ctx.maxResponseBytes, ctx.pageBudget?.bytesLeft ?? Number.POSITIVE_INFINITY)
  const body = await guard(ctx, label, url, 'body', () => readCapped(response, limit, ctx.signal))
  if (body.overLimit) {
    const max = formatBytes(ctx.maxResponseBytes)
    // Below the cap, the limit was what earlier pages of the same listing left over.
    const what = limit < ctx.maxResponseBytes ? `pages larger than ${max} in total` : `response larger than ${max}`
    throw new ProviderError('bad_payload', `${label} ${what} (MAX_RESPONSE_BYTES)`)
  }
  if (ctx.pageBudget) ctx.pageBudget.bytesLeft -= body.bytes
  const html = htmlPageType(response.headers.get('Content-Type'), body.text)
  if (html) {
    throw new ProviderError(
      'bad_payload',
      `decode ${label} response: the server answered an HTML page (${html}), not JSON`,
    )
  }
  try {
    return JSON.parse(body.text)
  } catch (error) {
    throw new ProviderError('bad_payload', `decode ${label} response: ${messageOf(error)}`, { cause: error })
  }
}

/** Sends the request, following a few redirects on the same origin only: the credential never leaves it. */
async function send(
  ctx: ListContext,
  target: string | SignedTarget,
  options: RequestOptions,
): Promise<{ response: Response; url: string }> {
  let url = typeof target === 'string' ? target : target.url
  let method = options.method ?? 'GET'
  let body = options.body
  for (let redirects = 0; ; redirects++) {
    const signed = typeof target === 'string' ? undefined : await target.sign(url)
    const request: [RequestInfo, RequestInit] = signed
      ? [signed, { signal: ctx.signal, redirect: 'manual' }]
      : [
          url,
          {
            method,
            headers: { Accept: 'application/json', ...options.headers },
            body,
            signal: ctx.signal,
            redirect: 'manual',
          },
        ]
    const response = await guard(ctx, options.label, url, 'connect', () => ctx.fetch(...request))
    if (!REDIRECTS.has(response.status)) return { response, url }
    await response.body?.cancel().catch(() => {})
    url = redirectTarget(options.label, url, response, redirects)
    if (response.status === 303) {
      method = 'GET'
      body = undefined
    }
  }
}

function redirectTarget(label: string, from: string, response: Response, redirects: number): string {
  const { status } = response
  const location = response.headers.get('Location')
  let next: URL
  try {
    next = new URL(location ?? '', from)
  } catch {
    throw new ProviderError('bad_status', `${label} returned ${status} with an unusable Location`, { status })
  }
  if (!location) throw new ProviderError('bad_status', `${label} returned ${status} without a Location`, { status })
  const origin = new URL(from).origin
  if (next.origin !== origin) {
    throw new ProviderError(
      'bad_status',
      // Not named: the backend chose it, and it may spell the key it was sent (as a host name, lower-cased).
      `${label} returned ${status} redirecting to another origin: not followed (a backend and its credential stay on ${origin})`,
      { status },
    )
  }
  if (redirects >= MAX_REDIRECTS) {
    throw new ProviderError('bad_status', `${label} redirected more than ${MAX_REDIRECTS} times`, { status })
  }
  return next.href
}

/** A non-2xx answer as a ProviderError: the provider's message (never an HTML page), the kind by status. */
async function statusError(ctx: ListContext, response: Response, options: RequestOptions): Promise<ProviderError> {
  const { status, headers } = response
  let text = ''
  try {
    text = await readPrefix(response, ERROR_BODY_BYTES, ctx.signal)
  } catch (error) {
    if (ctx.signal.aborted) return timeoutError(options.label, error)
    // The status alone still says what happened.
  }
  const html = htmlPageType(headers.get('Content-Type'), text)
  const detail = html
    ? `an HTML page (${html})`
    : clipErrorBody((options.errorDetail ?? providerErrorDetail)(text, headers) ?? '') ||
      response.statusText ||
      'no body'
  const kind = options.errorKind?.(status, text, headers) ?? kindForStatus(status)
  // Only a busy or unavailable backend's Retry-After says when to come back.
  const retryAfter = status === 429 || status === 503 ? retryAfterMs(headers.get('Retry-After'), ctx.now()) : undefined
  return new ProviderError(kind, `${options.label} returned ${status}: ${detail}`, {
    status,
    ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
  })
}

/** Runs one step of the call, mapping an abort to timeout and anything else to a named network failure. */
async function guard<T>(
  ctx: ListContext,
  label: string,
  url: string,
  phase: 'connect' | 'body',
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step()
  } catch (error) {
    if (error instanceof ProviderError) throw error
    if (ctx.signal.aborted) throw timeoutError(label, error)
    throw networkError(label, url, error, phase)
  }
}

function timeoutError(label: string, cause: unknown): ProviderError {
  return new ProviderError('timeout', `${label} did not answer before the probe timeout`, { cause })
}

/** Raised by parse functions when JSON arrived but not in the documented shape. */
export function badPayload(label: string, detail: string): ProviderError {
  return new ProviderError('bad_payload', `decode ${label} response: ${detail}`)
}

/** Joins a base URL and a path with exactly one slash, whatever the base ends with. */
export function joinUrl(base: string, path: string): string {
  return `${base.trim().replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}

export function bearer(credential: string | undefined): Record<string, string> {
  return credential ? { Authorization: `Bearer ${credential}` } : {}
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
