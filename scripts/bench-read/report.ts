/** The markdown tables: reads per N, and the publish step's KV writes. */
import { fmtMs, fmtRatio, fmtRps } from './format'
import { describeBodies } from './routes'
import {
  CONNECTIONS,
  DURATION_S,
  HEALTHZ_AGAIN,
  LONG_BACKENDS,
  LONG_CONTEXT,
  MODELS,
  RECOVER_S,
  SETTLE_S,
  TIMEOUT_S,
} from './settings'
import type { Cycle, Route, RunResult } from './types'

/** The publish cycles of one N, as in the KV writes table. */
export interface KvWriteCycles {
  n: number
  first: Cycle
  unchanged: Cycle
  oneBackendChange: Cycle
  /** The changed backend put back, before the loads. */
  restore: Cycle
}

export const KV_PHASES = ['first', 'unchanged', 'oneBackendChange', 'restore'] as const
export const publishWrites = (cycle: Cycle) => (cycle.run.publish ? String(cycle.run.publish.kvWrites) : '?')
export const publishMs = (cycle: Cycle) => (cycle.run.publish ? fmtMs(cycle.run.publish.ms) : '?')

export function kvWritesJson(kv: KvWriteCycles): Record<string, unknown> {
  const phase = (cycle: Cycle) => ({
    publishKvWrites: cycle.run.publish?.kvWrites ?? null,
    publishMs: cycle.run.publish?.ms ?? null,
    cycleKvWrites: cycle.run.kvWrites ?? null,
    snapshotWritten: cycle.run.snapshotWritten ?? null,
    durationMs: cycle.run.durationMs,
    wallMs: Math.round(cycle.wallMs),
  })
  return {
    bench: 'read-kv-writes',
    n: kv.n,
    ...Object.fromEntries(KV_PHASES.map((p) => [p, phase(kv[p])])),
  }
}

export function printKvWrites(rows: KvWriteCycles[], title: string) {
  console.log('')
  console.log(`#### ${title}`)
  console.log('')
  console.log('| N | first publish | unchanged cycle | one-backend change |')
  console.log('| ---: | ---: | ---: | ---: |')
  for (const kv of rows) {
    console.log(
      `| ${kv.n} | ${publishWrites(kv.first)} | ${publishWrites(kv.unchanged)} | ${publishWrites(kv.oneBackendChange)} |`,
    )
  }
  console.log('')
  console.log(
    "KV puts + deletes of the publish step (the RunSummary's publish.kvWrites). The first publish is on an empty KV; " +
      `the one-backend change moves one ordinary backend from many-${MODELS} to many-${MODELS - 1} (same model ids in the fleet). ` +
      rows
        .map(
          (kv) =>
            `N=${kv.n}: publish step ${publishMs(kv.first)}, ${publishMs(kv.unchanged)}, ${publishMs(kv.oneBackendChange)}; ` +
            `cycle durationMs ${kv.first.run.durationMs}, ${kv.unchanged.run.durationMs}, ${kv.oneBackendChange.run.durationMs}; ` +
            `putting the backend back: ${publishWrites(kv.restore)} writes in ${publishMs(kv.restore)}.`,
        )
        .join(' '),
  )
  for (const kv of rows) {
    if (kv.unchanged.run.publish && kv.unchanged.run.publish.kvWrites !== 0) {
      console.log(`**N=${kv.n}: the unchanged cycle wrote ${kv.unchanged.run.publish.kvWrites} values; expected 0.**`)
    }
  }
}

export function printTable(n: number, routes: Route[], results: RunResult[], kv: KvWriteCycles) {
  const cycle = kv.first
  const header = [
    'route',
    'connections',
    'requests/s',
    'p50',
    'p99',
    'errors + timeouts',
    'in flight at stop (oldest)',
    'unexpected status',
    'requests/s ÷ /healthz',
    'p99 ÷ /healthz p99',
    '/healthz answers after',
    'workerd RSS peak',
  ]
  console.log('')
  console.log(`### Reads at N = ${n} vLLM backends × ${MODELS} models`)
  console.log('')
  console.log(
    `${n - LONG_BACKENDS} backends serve many-${MODELS} (context 4096), ${LONG_BACKENDS} serve many-${MODELS}:ctx=${LONG_CONTEXT}. ` +
      `${DURATION_S} s per run, autocannon timeout ${TIMEOUT_S} s. First cycle: ${fmtMs(cycle.wallMs)} wall, ` +
      `durationMs ${cycle.run.durationMs}${cycle.run.kvWrites === undefined ? '' : `, ${cycle.run.kvWrites} KV writes`}. ` +
      `Bodies: ${describeBodies(routes)}.`,
  )
  console.log('')
  console.log(`| ${header.join(' | ')} |`)
  console.log(`|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`)
  for (const connections of CONNECTIONS) {
    // The floor: /healthz measured first and again last, averaged, so that drift over the block
    // (the machine warming up or slowing down) does not land on one side of every ratio.
    const floors = results.filter(
      (r) => r.n === n && r.connections === connections && (r.route === '/healthz' || r.route === HEALTHZ_AGAIN),
    )
    const floor =
      floors.length === 0
        ? undefined
        : {
            rps: floors.reduce((sum, r) => sum + r.rps, 0) / floors.length,
            p99Ms: floors.reduce((sum, r) => sum + r.p99Ms, 0) / floors.length,
            requests: floors.reduce((sum, r) => sum + r.requests, 0),
          }
    for (const route of [...routes, { ...routes[0]!, name: HEALTHZ_AGAIN }]) {
      const r = results.find((x) => x.n === n && x.connections === connections && x.route === route.name)
      if (!r) continue
      const answered = r.requests > 0
      const unexpected = Object.entries(r.unexpected)
        .map(([code, count]) => `${count}× ${code}`)
        .join(', ')
      console.log(
        `| ${[
          `\`${route.name}\``,
          String(connections),
          fmtRps(r.rps),
          answered ? fmtMs(r.p50Ms) : '—',
          answered ? fmtMs(r.p99Ms) : '—',
          `${r.errors} + ${r.timeouts}`,
          `${r.inFlightAtStop} (${fmtMs(r.oldestInFlightMs)})` +
            (r.connectionsAnswered < connections
              ? `, ${connections - r.connectionsAnswered} connections never answered`
              : ''),
          unexpected || '0',
          floor && floor.rps > 0 ? fmtRatio(r.rps / floor.rps) : '—',
          floor && answered && floor.requests > 0 ? fmtRatio(r.p99Ms / Math.max(1, floor.p99Ms)) : '—',
          r.healthzAfterMs !== null ? fmtMs(r.healthzAfterMs) : r.stoppedEarly ? '— (stopped)' : `> ${RECOVER_S} s`,
          r.workerdPeakRssMiB === null ? '—' : `${r.workerdPeakRssMiB} MiB`,
        ].join(' | ')} |`,
      )
    }
  }
  console.log('')
  console.log(
    'Ratios are to the mean of the two /healthz runs, first and last. ' +
      'p50/p99 are of the answered requests only. "in flight at stop": requests sent but not answered when the run ' +
      'ended (one per connection), and how long the oldest had waited: a tail that p99 leaves out; ' +
      '"never answered": connections that got no answer during the whole run. ' +
      '"/healthz answers after": a GET /healthz sent right after the run.',
  )
  const restarted = results.filter((r) => r.n === n && r.restarted)
  if (restarted.length > 0) {
    console.log(
      `workerd was still busy (no /healthz answer within ${RECOVER_S} s, or not idle ${SETTLE_S} s after it), ` +
        'and was restarted before the next run, after: ' +
        restarted.map((r) => `${r.route} (${r.connections})`).join(', ') +
        '.',
    )
  }
  for (const r of results.filter((x) => x.n === n && x.stoppedEarly)) {
    console.log(`${r.route} at ${r.connections} connections stopped after ${r.durationS} s: ${r.stoppedEarly}.`)
  }
  for (const r of results.filter((x) => x.n === n && x.unexpectedSample)) {
    console.log(`First unexpected answer of ${r.route} at ${r.connections} connections: \`${r.unexpectedSample}\`.`)
  }
  printKvWrites([kv], `KV writes of the publish step at N = ${n}`)
  console.log('')
}
