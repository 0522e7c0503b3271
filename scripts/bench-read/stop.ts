/** Stopping by itself: a deadline, and Ctrl-C. Every wait and the running load watch `stopAll`. */
import type autocannon from 'autocannon'
import { BenchError } from '../bench-worker'
import { DEADLINE_S } from './settings'

export const benchStarted = performance.now()
/** Aborted at the deadline or on SIGINT/SIGTERM: every wait and the running load stop. */
export const stopAll = new AbortController()
/** The autocannon run under way, if any: stopping the bench stops it too. */
export const load: { current?: autocannon.Instance } = {}

export function stopEverything(reason: string) {
  if (stopAll.signal.aborted) return
  console.error(`bench-read: ${reason}; stopping`)
  stopAll.abort(new BenchError(reason))
  load.current?.stop()
}

/** Starts the deadline and the Ctrl-C handling; the returned function clears the timers at the end. */
export function armStops(): () => void {
  const deadlineTimer = setTimeout(
    () => stopEverything(`BENCH_READ_DEADLINE_S=${DEADLINE_S} reached`),
    DEADLINE_S * 1000,
  )
  deadlineTimer.unref()
  // Last resort if cleanup itself hangs: the child services stop when this process's pipes close,
  // and Miniflare kills workerd when this process exits.
  const hardStop = setTimeout(
    () => {
      console.error('bench-read: still running 60 s past the deadline; exiting')
      process.exit(1)
    },
    (DEADLINE_S + 60) * 1000,
  )
  hardStop.unref()
  // Ctrl-C: once a Worker runs, Miniflare's own exit hook kills workerd and exits (130) right after
  // this listener; the child services stop when their stdin closes, and the temporary folder goes on
  // exit. Before that (bundling), the bench stops at its next step.
  let firstSignalAt: number | undefined
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // tsx relays the terminal's Ctrl-C, so one keypress can arrive twice: only a later one is a second.
      if (firstSignalAt !== undefined && performance.now() - firstSignalAt > 2000) process.exit(130)
      firstSignalAt ??= performance.now()
      stopEverything(`${signal} received (send it again to exit at once)`)
    })
  }
  return () => {
    clearTimeout(deadlineTimer)
    clearTimeout(hardStop)
  }
}

export function checkStop(step: string) {
  if (stopAll.signal.aborted) {
    const reason = stopAll.signal.reason instanceof Error ? stopAll.signal.reason.message : 'stopped'
    throw new BenchError(`${reason}, before ${step}`)
  }
}

/**
 * Runs `work` with a signal that aborts after `ms` (a TimeoutError), when the bench stops, or when
 * `also` aborts. A timer of its own: an AbortSignal.timeout() combined with AbortSignal.any() did
 * not reliably fire here (a 10 s limit once returned after 19 s).
 */
export async function withTimeout<T>(
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
  also?: AbortSignal,
): Promise<T> {
  const controller = new AbortController()
  const timer = setTimeout(
    () => controller.abort(new DOMException(`no answer within ${Math.round(ms)} ms`, 'TimeoutError')),
    Math.max(1, Math.ceil(ms)),
  )
  const sources = [stopAll.signal, ...(also ? [also] : [])]
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason)
  for (const source of sources) {
    if (source.aborted) controller.abort(source.reason)
    else source.addEventListener('abort', onAbort, { once: true })
  }
  try {
    return await work(controller.signal)
  } finally {
    clearTimeout(timer)
    for (const source of sources) source.removeEventListener('abort', onAbort)
  }
}
