/** The publish step's share of a cycle's wall time, on backends of its own. */
import { assert, inBatches } from '../bench-worker'
import { type Fleet, declareBackends, runCycle, setModels } from './fleet'
import { fmtMs, fmtShare, median } from './format'
import { call } from './http'
import {
  CREATE_PARALLELISM,
  LONG_BACKENDS,
  LONG_CONTEXT,
  MODELS,
  PUBLISH_CYCLES,
  PUBLISH_DELAY_MS,
  PUBLISH_N,
  PUBLISH_SHARE_BAR,
} from './settings'
import { checkStop } from './stop'
import type { Cycle } from './types'

export interface ShareRow {
  cycle: string
  /** Whether the row counts in the median (the cycles with a one-backend change). */
  changed: boolean
  wallMs: number
  durationMs: number
  publishMs: number | null
  publishKvWrites: number | null
  /** publishMs ÷ durationMs. */
  share: number | null
}

/**
 * PUBLISH_N backends of their own answering after PUBLISH_DELAY_MS: a first (full) publish, then
 * PUBLISH_CYCLES cycles with one backend switched between many-MODELS and many-(MODELS-1), so
 * that each publishes. The backends are deleted after.
 */
export async function publishShare(base: URL, fakeUrl: string, created: string[]) {
  const n = PUBLISH_N
  const fleet: Fleet = { fakeUrl, prefix: 'p', delayMs: PUBLISH_DELAY_MS, ids: [] }
  const t = performance.now()
  await declareBackends(base, fleet, n, created)
  console.error(
    `bench-read: publish share: declared ${n} backends (${PUBLISH_DELAY_MS} ms each) in ${fmtMs(performance.now() - t)}`,
  )
  const rows: ShareRow[] = []
  const row = (cycle: string, changed: boolean, c: Cycle): ShareRow => {
    const r: ShareRow = {
      cycle,
      changed,
      wallMs: Math.round(c.wallMs),
      durationMs: c.run.durationMs,
      publishMs: c.run.publish?.ms ?? null,
      publishKvWrites: c.run.publish?.kvWrites ?? null,
      share: c.run.publish && c.run.durationMs > 0 ? c.run.publish.ms / c.run.durationMs : null,
    }
    console.log(JSON.stringify({ bench: 'read-publish-share', n, models: MODELS, delayMs: PUBLISH_DELAY_MS, ...r }))
    console.error(
      `bench-read: publish share: ${cycle}: durationMs ${r.durationMs}, publish ${r.publishMs ?? '?'} ms ` +
        `(${r.publishKvWrites ?? '?'} KV writes), ${fmtShare(r.share)}`,
    )
    return r
  }
  rows.push(row('first (full publish)', false, await runCycle(base, n, fakeUrl)))
  for (let k = 1; k <= PUBLISH_CYCLES; k++) {
    checkStop(`publish share cycle ${k}`)
    const models = k % 2 === 1 ? MODELS - 1 : MODELS
    await setModels(base, fleet, LONG_BACKENDS, models)
    const cycle = await runCycle(base, n, fakeUrl)
    assert(
      cycle.run.snapshotWritten !== false,
      `publish share cycle ${k}: one backend changed, but nothing was published`,
    )
    rows.push(row(`${k}: one backend → many-${models}`, true, cycle))
  }
  const shares = rows.filter((r) => r.changed && r.share !== null).map((r) => r.share!)
  const mid = median(shares)
  console.log(
    JSON.stringify({
      bench: 'read-publish-share-summary',
      n,
      models: MODELS,
      delayMs: PUBLISH_DELAY_MS,
      medianShare: mid,
      bar: PUBLISH_SHARE_BAR,
      met: mid === null ? null : mid <= PUBLISH_SHARE_BAR,
    }),
  )

  console.log('')
  console.log(`### Publish share at N = ${n} vLLM backends × ${MODELS} models, ${PUBLISH_DELAY_MS} ms backends`)
  console.log('')
  console.log(
    `${n - LONG_BACKENDS} backends serve many-${MODELS}:delay=${PUBLISH_DELAY_MS}, ${LONG_BACKENDS} many-${MODELS}:ctx=${LONG_CONTEXT}:delay=${PUBLISH_DELAY_MS}; ` +
      'every cycle probed every backend (counted by the fakes).',
  )
  console.log('')
  console.log('| cycle | cycle durationMs | publish.ms | publish.kvWrites | publish ÷ cycle |')
  console.log('| --- | ---: | ---: | ---: | ---: |')
  for (const r of rows) {
    console.log(
      `| ${r.cycle} | ${r.durationMs} | ${r.publishMs ?? '?'} | ${r.publishKvWrites ?? '?'} | ${fmtShare(r.share)} |`,
    )
  }
  console.log('')
  console.log(
    `Median publish ÷ cycle over the ${shares.length} cycles with a change: **${fmtShare(mid)}** ` +
      `(bar: publishing the views adds at most ${PUBLISH_SHARE_BAR * 100}% to a cycle's wall time at 100 × 50 with 200 ms backends: ` +
      `${mid === null ? 'unknown' : mid <= PUBLISH_SHARE_BAR ? 'met' : 'NOT met'}). The first cycle (a full publish on this KV) is not in the median.`,
  )
  console.log('')

  await inBatches([...fleet.ids], CREATE_PARALLELISM, async (id) => {
    const { status } = await call(base, 'DELETE', `/backends/${id}`)
    assert(status === 200, `DELETE /backends/${id} answered ${status}`)
    const at = created.indexOf(id)
    if (at >= 0) created.splice(at, 1)
  })
}
