/** The load: autocannon runs against one route, and what workerd did meanwhile and after. */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import autocannon from 'autocannon'
import { BenchError, assert } from '../bench-worker'
import { fmtMs } from './format'
import { healthzAnswerTime } from './http'
import { idleTime, sampleRss } from './proc'
import {
  DURATION_S,
  HOST,
  MAX_RSS_MIB,
  READ_TOKEN,
  RECOVER_S,
  SETTLE_S,
  TIMEOUT_S,
  WARM_UP_MAX_BYTES,
  WARM_UP_S,
} from './settings'
import { checkStop, load, stopAll } from './stop'
import type { Route, RunResult } from './types'
import type { Worker } from './worker'

/**
 * One autocannon run. Also returns how long the oldest request in flight at the end had waited:
 * with one request per connection at a time, a connection's open request was sent at its
 * previous answer (or at the start, for a connection that got none).
 */
export function cannon(
  options: autocannon.Options,
): Promise<{ result: autocannon.Result; oldestInFlightMs: number; connectionsAnswered: number }> {
  return new Promise((resolve, reject) => {
    const lastAnswer = new Map<autocannon.Client, number>()
    const started = performance.now()
    const instance = autocannon(options, (error, result) => {
      load.current = undefined
      if (error) {
        reject(error instanceof Error ? error : new BenchError(String(error)))
        return
      }
      const ended = performance.now()
      const answered = [...lastAnswer.values()]
      const oldestSent = answered.length < (options.connections ?? 10) ? started : Math.min(...answered)
      resolve({ result, oldestInFlightMs: ended - oldestSent, connectionsAnswered: answered.length })
    })
    instance.on('response', (client) => lastAnswer.set(client, performance.now()))
    load.current = instance
  })
}

/**
 * A short unrecorded run of every route first: workerd compiles the Worker's hot paths on first
 * use, and the first measured run (/healthz, the floor of every ratio) would otherwise pay for it.
 */
export async function warmUp(worker: Worker, routes: Route[]): Promise<void> {
  // Not the routes whose answers grow with the fleet: their garbage would weigh on the first runs.
  for (const route of routes.filter((r) => r.bytes <= WARM_UP_MAX_BYTES)) {
    await cannon({
      url: new URL(route.path, worker.base).href,
      connections: 20,
      duration: WARM_UP_S,
      timeout: TIMEOUT_S,
      headers: { Authorization: `Bearer ${READ_TOKEN}`, ...route.headers },
    })
  }
}

export async function loadRoute(worker: Worker, route: Route, n: number, connections: number): Promise<RunResult> {
  checkStop(`${route.name} at N=${n}, ${connections} connections`)
  const url = new URL(route.path, worker.base)
  assert(url.hostname === HOST, `refusing to load ${url.href}: the bench talks to ${HOST} only`)
  const loop = monitorEventLoopDelay({ resolution: 5 })
  const memoryAlarm = new AbortController()
  let stoppedEarly: string | undefined
  const stopRss = sampleRss(worker.pids, (mib) => {
    stoppedEarly = `workerd RSS ${Math.round(mib)} MiB passed BENCH_READ_MAX_RSS_MIB=${MAX_RSS_MIB}`
    console.error(`bench-read: ${stoppedEarly}; stopping ${route.name} early`)
    load.current?.stop()
    memoryAlarm.abort()
  })
  loop.enable()
  let run: Awaited<ReturnType<typeof cannon>>
  let healthz: Awaited<ReturnType<typeof healthzAnswerTime>>
  let workerdPeakRssMiB: number | null
  let unexpectedSample: string | undefined
  try {
    run = await cannon({
      url: url.href,
      connections,
      duration: DURATION_S,
      timeout: TIMEOUT_S,
      headers: { Authorization: `Bearer ${READ_TOKEN}`, ...route.headers },
      // autocannon collects every body anyway; this only looks at the first unexpected one.
      requests: [
        {
          onResponse: (status: number, body: string | undefined) => {
            if (status !== route.expect && unexpectedSample === undefined) {
              unexpectedSample = `${status} ${(body ?? '').slice(0, 300).replace(/\s+/g, ' ').replace(/`/g, "'")}`
            }
          },
        },
      ],
    })
    healthz = await healthzAnswerTime(worker.base, RECOVER_S * 1000, memoryAlarm.signal)
  } finally {
    loop.disable()
    workerdPeakRssMiB = stopRss()
  }
  const { result, oldestInFlightMs, connectionsAnswered } = run
  if (healthz.ms === null) {
    console.error(
      `bench-read: /healthz did not answer within ${RECOVER_S} s of ${route.name} at N=${n}, ` +
        `${connections} connections (last attempt: ${healthz.last})`,
    )
  }
  // No answer from /healthz: certainly still busy, restart at once.
  const idleAfterMs = healthz.ms === null ? null : await idleTime(worker.pids, SETTLE_S * 1000)
  let restarted = false
  if (idleAfterMs === null && !stopAll.signal.aborted) {
    const t = performance.now()
    await worker.restart()
    restarted = true
    console.error(
      `bench-read: workerd was still busy (${healthz.ms === null ? '/healthz did not answer' : `${SETTLE_S} s after /healthz answered`}): ` +
        `restarted it in ${fmtMs(performance.now() - t)}`,
    )
  }
  const unexpected: Record<string, number> = {}
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    if (Number(code) !== route.expect && stats.count) unexpected[code] = stats.count
  }
  const requests = result.requests.total
  return {
    n,
    connections,
    route: route.name,
    path: route.path,
    durationS: result.duration,
    requests,
    rps: result.duration > 0 ? requests / result.duration : 0,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    inFlightAtStop: Math.max(0, result.requests.sent - requests - result.errors),
    oldestInFlightMs: Math.round(oldestInFlightMs),
    connectionsAnswered,
    unexpected,
    unexpectedCount: Object.values(unexpected).reduce((a, b) => a + b, 0),
    ...(unexpectedSample === undefined ? {} : { unexpectedSample }),
    healthzAfterMs: healthz.ms === null ? null : Math.round(healthz.ms),
    idleAfterMs: idleAfterMs === null ? null : Math.round(idleAfterMs),
    restarted,
    workerdPeakRssMiB: workerdPeakRssMiB === null ? null : Math.round(workerdPeakRssMiB),
    nodeLoopMaxMs: Math.round(loop.max / 1e6),
    ...(stoppedEarly ? { stoppedEarly } : stopAll.signal.aborted ? { stoppedEarly: 'the bench was stopped' } : {}),
  }
}
