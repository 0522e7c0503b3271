/** One fleet size N: the publish step's KV writes over four cycles, then every route under load. */
import { setTimeout as sleep } from 'node:timers/promises'
import { assert } from '../bench-worker'
import { type Fleet, runCycle, setModels } from './fleet'
import { fmtMs, fmtRps } from './format'
import { loadRoute, warmUp } from './load'
import { rssMiB } from './proc'
import type { KV_PHASES, KvWriteCycles } from './report'
import { prepareRoutes } from './routes'
import { CONNECTIONS, HEALTHZ_AGAIN, LONG_BACKENDS, MODELS, PAUSE_MS, RECOVER_S } from './settings'
import { checkStop } from './stop'
import type { Route, RunResult } from './types'
import type { Worker } from './worker'

/**
 * A first publish, a cycle with no change, a one-backend change, and that backend put back (so
 * that the loads run on the original fleet).
 */
export async function kvWriteCycles(worker: Worker, fleet: Fleet, n: number): Promise<KvWriteCycles> {
  const cycleAt = async (phase: (typeof KV_PHASES)[number]) => {
    checkStop(`the ${phase} cycle at N=${n}`)
    const cycle = await runCycle(worker.base, n, fleet.fakeUrl)
    console.error(
      `bench-read: N=${n}: ${phase} cycle ${fmtMs(cycle.wallMs)} wall (durationMs ${cycle.run.durationMs}, ` +
        `kvWrites ${cycle.run.kvWrites ?? '?'}, publish ${cycle.run.publish ? `${cycle.run.publish.kvWrites} writes in ${cycle.run.publish.ms} ms` : '?'}), ` +
        `workerd RSS ${Math.round(rssMiB(worker.pids) ?? 0)} MiB`,
    )
    console.log(
      JSON.stringify({
        bench: 'read-cycle',
        n,
        models: MODELS,
        phase,
        wallMs: Math.round(cycle.wallMs),
        ...cycle.run,
      }),
    )
    return cycle
  }
  const first = await cycleAt('first')
  const unchanged = await cycleAt('unchanged')
  await setModels(worker.base, fleet, LONG_BACKENDS, MODELS - 1)
  const oneBackendChange = await cycleAt('oneBackendChange')
  assert(oneBackendChange.run.snapshotWritten !== false, `N=${n}: one backend changed, but nothing was published`)
  // Back to the original fleet for the loads.
  await setModels(worker.base, fleet, LONG_BACKENDS, MODELS)
  const restore = await cycleAt('restore')
  return { n, first, unchanged, oneBackendChange, restore }
}

/** Reads every route once, warms them up, then loads each at every connection count; adds to `results`. */
export async function loadEveryRoute(worker: Worker, n: number, results: RunResult[]): Promise<Route[]> {
  const routes = await prepareRoutes(worker.base, n)
  await warmUp(worker, routes)
  for (const connections of CONNECTIONS) {
    const healthz = routes.find((route) => route.name === '/healthz')!
    for (const route of [...routes, { ...healthz, name: HEALTHZ_AGAIN }]) {
      const r = await loadRoute(worker, route, n, connections)
      results.push(r)
      console.log(JSON.stringify({ bench: 'read', ...r }))
      console.error(
        `bench-read: N=${n} c=${connections} ${route.name}: ${fmtRps(r.rps)} req/s, p50 ${fmtMs(r.p50Ms)}, ` +
          `p99 ${fmtMs(r.p99Ms)}, ${r.errors} errors, ${r.timeouts} timeouts, ` +
          `${r.inFlightAtStop} in flight at stop (oldest ${fmtMs(r.oldestInFlightMs)}), ` +
          `${r.unexpectedCount} unexpected, /healthz after ${r.healthzAfterMs === null ? `> ${RECOVER_S} s` : fmtMs(r.healthzAfterMs)}, ` +
          `idle after ${r.idleAfterMs === null ? (r.restarted ? 'restart' : '?') : fmtMs(r.idleAfterMs)}, ` +
          `workerd ${r.workerdPeakRssMiB ?? '?'} MiB`,
      )
      checkStop(`the next run after ${route.name} at N=${n}, ${connections} connections`)
      await sleep(PAUSE_MS)
    }
  }
  return routes
}
