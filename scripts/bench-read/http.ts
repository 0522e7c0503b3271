/** HTTP helpers: plain fetch to 127.0.0.1, every call with a time limit. */
import { setTimeout as sleep } from 'node:timers/promises'
import { ADMIN_TOKEN } from '../bench-hostile'
import { BenchError, assert } from '../bench-worker'
import { HOST } from './settings'
import { stopAll, withTimeout } from './stop'

export async function call(
  base: URL,
  method: string,
  route: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; timeoutS?: number } = {},
) {
  const url = new URL(route, base)
  assert(url.hostname === HOST, `refusing to send ${url.href}: the bench talks to ${HOST} only`)
  const timeoutS = options.timeoutS ?? 60
  let response: Response
  let text: string
  try {
    ;[response, text] = await withTimeout(timeoutS * 1000, async (signal) => {
      const answer = await fetch(url, {
        method,
        headers: {
          Authorization: `Bearer ${options.token ?? ADMIN_TOKEN}`,
          ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      })
      return [answer, await answer.text()] as const
    })
  } catch (error) {
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${timeoutS} s`
        : error instanceof Error
          ? error.message
          : String(error)
    throw new BenchError(`${method} ${route}: ${reason}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = text
  }
  return { status: response.status, json, headers: response.headers, bytes: Buffer.byteLength(text) }
}

/**
 * Time until a fresh GET /healthz answers 200, trying again until `limitMs` (or `cancel`); null,
 * with what the last attempt met, if it never did.
 */
export async function healthzAnswerTime(
  base: URL,
  limitMs: number,
  cancel: AbortSignal,
): Promise<{ ms: number | null; last?: string }> {
  const started = performance.now()
  const until = started + limitMs
  let last: string | undefined
  while (performance.now() < until && !cancel.aborted && !stopAll.signal.aborted) {
    try {
      const status = await withTimeout(
        until - performance.now(),
        async (signal) => {
          const response = await fetch(new URL('/healthz', base), { signal })
          await response.arrayBuffer()
          return response.status
        },
        cancel,
      )
      if (status === 200) return { ms: performance.now() - started }
      last = `status ${status}`
    } catch (error) {
      // refused, reset or timed out: try again until the limit
      last = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    }
    await sleep(25)
  }
  return { ms: null, last: cancel.aborted ? 'given up: workerd memory over the limit' : last }
}
