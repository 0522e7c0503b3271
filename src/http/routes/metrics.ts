import { Hono } from 'hono'
import { type CatalogMeta, catalogSource, readCatalogMeta } from '../../catalog/store'
import { readLastCycle } from '../../kv/moving-view'
import {
  type CycleMetrics,
  cycleOnly,
  renderCatalogMetrics,
  renderMetrics,
  renderWebhookMetrics,
  withLastCycle,
} from '../../views/metrics'
import { webhookMetrics } from '../../db/webhooks'
import { errorText } from '../../reconcile/cycle-errors'
import type { Context } from 'hono'
import { requireRead } from '../auth'
import type { AppEnv } from '../context'
import { doc } from '../openapi'
import { publishedMetrics } from '../snapshot-bodies'
import { snapshotReader } from '../snapshot-read'

/** The Prometheus text format's content type. */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/**
 * GET /metrics: Prometheus text from the published snapshot, brought up to the last cycle by what a
 * cycle that published no version kept in KV; Postgres only for the webhook figures.
 */
export const metricsRoutes = new Hono<AppEnv>().use(requireRead).get(
  '/',
  doc({
    tag: 'metrics',
    summary: 'Prometheus metrics of the fleet and the last cycle',
    description:
      "Prometheus metrics (text format 0.0.4) from the published snapshot and the last cycle: per backend its status, models, uptime over 24 h, latency p95 and seconds since the last success; the last cycle; the model catalog's age and whether its last refresh worked.",
    access: 'read',
    ok: { 200: { description: 'the metrics' } },
  }),
  async (c) => {
    const reader = snapshotReader(c)
    const source = c.get('settings').CATALOG_URL
    const now = new Date()
    const [meta, catalog, last, webhooks] = await Promise.all([
      reader.meta(),
      source ? catalogMetaForMetrics(c.env.KV) : null,
      readLastCycle<CycleMetrics>(c.env.KV),
      webhookMetricsText(c, now),
    ])
    const catalogText =
      renderCatalogMetrics(source && catalog?.source === catalogSource(source) ? catalog : null, now) + webhooks
    const headers = { 'Content-Type': CONTENT_TYPE, 'Cache-Control': 'no-store' }
    if (!meta) {
      // Nothing published yet: a valid exposition with the failed cycles' figures, if any ran, and the catalog's.
      return c.body((last ? renderMetrics(cycleOnly(last), now) : '') + catalogText, 200, headers)
    }
    const view = withLastCycle(await publishedMetrics(reader, meta), last)
    return c.body(renderMetrics(view, now) + catalogText, 200, headers)
  },
)

/**
 * The webhook figures, from Postgres: the one part of /metrics that is not in KV, read in one
 * statement. Without a database (or with one that is down) they are left out, with a log line,
 * and the rest answers as ever.
 */
async function webhookMetricsText(c: Context<AppEnv>, now: Date): Promise<string> {
  if (!c.env.DATABASE_URL) return ''
  try {
    return renderWebhookMetrics(await webhookMetrics(c.get('db')(), now))
  } catch (error) {
    console.warn(JSON.stringify({ msg: 'webhook figures left out of /metrics', error: errorText(error) }))
    return ''
  }
}

/** The catalog's meta, or null when KV cannot give it: the snapshot's metrics must not fail with it. */
async function catalogMetaForMetrics(kv: KVNamespace): Promise<CatalogMeta | null> {
  try {
    return await readCatalogMeta(kv)
  } catch (error) {
    console.warn(JSON.stringify({ msg: 'catalog meta unreadable for /metrics', error: String(error) }))
    return null
  }
}
