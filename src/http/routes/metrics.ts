import { Hono } from 'hono'
import { type CatalogMeta, catalogSource, readCatalogMeta } from '../../catalog/store'
import { readLastCycle } from '../../kv/moving-view'
import { type CycleMetrics, cycleOnly, renderCatalogMetrics, renderMetrics, withLastCycle } from '../../views/metrics'
import { requireRead } from '../auth'
import type { AppEnv } from '../context'
import { doc } from '../openapi'
import { publishedMetrics } from '../snapshot-bodies'
import { snapshotReader } from '../snapshot-read'

/** The Prometheus text format's content type. */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/**
 * GET /metrics: Prometheus text from the published snapshot, brought up to the last cycle by what a
 * cycle that published no version kept in KV; never Postgres.
 */
export const metricsRoutes = new Hono<AppEnv>().use(requireRead).get(
  '/',
  doc({
    tag: 'metrics',
    summary:
      "Prometheus metrics (text format 0.0.4) from the published snapshot and the last cycle: per backend status, models, uptime 24 h, latency p95 and seconds since the last success; the last cycle; the model catalog's age and whether its last refresh worked",
    access: 'read',
    ok: { 200: { description: 'the metrics' } },
  }),
  async (c) => {
    const reader = snapshotReader(c)
    const source = c.get('settings').CATALOG_URL
    const [meta, catalog, last] = await Promise.all([
      reader.meta(),
      source ? catalogMetaForMetrics(c.env.KV) : null,
      readLastCycle<CycleMetrics>(c.env.KV),
    ])
    const now = new Date()
    const catalogText = renderCatalogMetrics(source && catalog?.source === catalogSource(source) ? catalog : null, now)
    const headers = { 'Content-Type': CONTENT_TYPE, 'Cache-Control': 'no-store' }
    if (!meta) {
      // Nothing published yet: a valid exposition with the failed cycles' figures, if any ran, and the catalog's.
      return c.body((last ? renderMetrics(cycleOnly(last), now) : '') + catalogText, 200, headers)
    }
    const view = withLastCycle(await publishedMetrics(reader, meta), last)
    return c.body(renderMetrics(view, now) + catalogText, 200, headers)
  },
)

/** The catalog's meta, or null when KV cannot give it: the snapshot's metrics must not fail with it. */
async function catalogMetaForMetrics(kv: KVNamespace): Promise<CatalogMeta | null> {
  try {
    return await readCatalogMeta(kv)
  } catch (error) {
    console.warn(JSON.stringify({ msg: 'catalog meta unreadable for /metrics', error: String(error) }))
    return null
  }
}
