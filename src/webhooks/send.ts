import { readPrefix } from '../providers/read-body'
import { BudgetExhaustedError } from '../platform/invocation-budget'

/** Responses are read up to this much, then cut off: a receiver cannot make a delivery hold a big body. */
export const MAX_RESPONSE_READ_BYTES = 64 * 1024
/** How much of a response a delivery keeps to show. */
export const KEPT_RESPONSE_BYTES = 1024

/** What one HTTP attempt gave: a status and the response's first bytes, or why none came. */
export interface SendOutcome {
  httpStatus: number | null
  durationMs: number
  response: string | null
  error: string | null
}

/**
 * POSTs one message and reads at most MAX_RESPONSE_READ_BYTES of the answer, within `timeoutMs`
 * for the whole exchange. A redirect is answered as it came, never followed: the receiver is the
 * URL that was checked, not wherever it points.
 */
export async function postMessage(
  fetcher: typeof fetch,
  request: { url: string; headers: Record<string, string>; body: string; timeoutMs: number },
  clock: () => number = Date.now,
): Promise<SendOutcome> {
  const started = clock()
  const signal = AbortSignal.timeout(request.timeoutMs)
  try {
    const response = await fetcher(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal,
    })
    const text = await readPrefix(response, MAX_RESPONSE_READ_BYTES, signal)
    return {
      httpStatus: response.status,
      durationMs: clock() - started,
      response: firstBytes(text, KEPT_RESPONSE_BYTES),
      error: null,
    }
  } catch (error) {
    // Not an answer: the attempt was never made, and is left for a later invocation.
    if (error instanceof BudgetExhaustedError) throw error
    const timedOut = signal.aborted
    return {
      httpStatus: null,
      durationMs: clock() - started,
      response: null,
      error: timedOut
        ? `no answer within ${request.timeoutMs} ms`
        : error instanceof Error
          ? error.message
          : String(error),
    }
  }
}

/** The longest prefix of `text` that is at most `bytes` in UTF-8, cut between characters. */
export function firstBytes(text: string, bytes: number): string {
  const encoded = new TextEncoder().encode(text)
  if (encoded.byteLength <= bytes) return text
  return new TextDecoder().decode(encoded.subarray(0, bytes)).replace(/\uFFFD$/, '')
}

/** How an answer counts: a 2xx is delivered, a 410 says stop sending, anything else is a failure. */
export function judgeOutcome(outcome: SendOutcome): { kind: 'success' | 'gone' | 'failure'; why: string | null } {
  const status = outcome.httpStatus
  if (status === null) return { kind: 'failure', why: outcome.error ?? 'no answer' }
  if (status >= 200 && status < 300) return { kind: 'success', why: null }
  if (status === 410) return { kind: 'gone', why: 'the receiver answered 410 Gone' }
  if (status >= 300 && status < 400)
    return { kind: 'failure', why: `the receiver answered ${status}, a redirect, which is not followed` }
  return { kind: 'failure', why: `the receiver answered ${status}` }
}
