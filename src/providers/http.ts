import { type ErrorKind, ProviderError, kindForStatus } from '../errors/provider-error'
import type { ListContext } from './types'

const MAX_ERROR_BODY = 300

export interface RequestOptions {
  /** Names the call in messages, e.g. "OpenAI catalog" → "OpenAI catalog returned 401: …". */
  label: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** Turns an error body into the text shown after the status; default: clipErrorBody (trimmed, clipped). */
  errorDetail?: (body: string, headers: Headers) => string | undefined
  /** A provider that names its failures (e.g. AWS's x-amzn-ErrorType) decides the kind; default: by status. */
  errorKind?: (status: number, body: string, headers: Headers) => ErrorKind | undefined
}

/**
 * One provider HTTP call that answers JSON; `target` is a URL, or builds a ready Request (one
 * that must be signed, say). Every failure becomes a ProviderError of the right
 * kind: timeout when the probe's deadline aborted it, network when no answer came, auth /
 * rate_limited / bad_status from the status, bad_payload when the body is not JSON.
 */
export async function requestJson(
  ctx: ListContext,
  target: string | (() => Promise<Request>),
  options: RequestOptions,
): Promise<unknown> {
  const { label } = options
  let text: string
  let response: Response
  try {
    response =
      typeof target === 'string'
        ? await ctx.fetch(target, {
            method: options.method ?? 'GET',
            headers: { Accept: 'application/json', ...options.headers },
            body: options.body,
            signal: ctx.signal,
          })
        : await ctx.fetch(await target(), { signal: ctx.signal })
    text = await response.text()
  } catch (error) {
    if (ctx.signal.aborted) {
      throw new ProviderError('timeout', `${label} did not answer before the probe timeout`, { cause: error })
    }
    throw new ProviderError('network', `${label} unreachable: ${messageOf(error)}`, { cause: error })
  }
  if (!response.ok) {
    const detail = (options.errorDetail ?? clipErrorBody)(text, response.headers) || response.statusText || 'no body'
    const kind = options.errorKind?.(response.status, text, response.headers) ?? kindForStatus(response.status)
    throw new ProviderError(kind, `${label} returned ${response.status}: ${detail}`, { status: response.status })
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ProviderError('bad_payload', `decode ${label} response: ${messageOf(error)}`, { cause: error })
  }
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

/**
 * An error body as shown after the status: trimmed and clipped to 300 characters, so a proxy's
 * HTML error page does not land in the snapshot. Adapters with their own `errorDetail` use it too.
 */
export function clipErrorBody(body: string): string {
  const text = body.trim()
  return text.length > MAX_ERROR_BODY ? `${text.slice(0, MAX_ERROR_BODY)}…` : text
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
