import { Hono } from 'hono'
import { renderMetrics } from '../../views/metrics'
import { requireRead } from '../auth'
import type { AppEnv } from '../context'
import { doc } from '../openapi'
import { publishedMetrics } from '../snapshot-bodies'
import { snapshotReader } from '../snapshot-read'

/** The Prometheus text format's content type. */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/** GET /metrics: Prometheus text from the published snapshot; never Postgres. */
export const metricsRoutes = new Hono<AppEnv>().use(requireRead).get(
  '/',
  doc({
    tag: 'metrics',
    summary:
      'Prometheus metrics (text format 0.0.4) from the published snapshot: per backend status, models, uptime 24 h, latency p95 and seconds since the last success; the publishing cycle',
    access: 'read',
    ok: { 200: { description: 'the metrics' } },
  }),
  async (c) => {
    const reader = snapshotReader(c)
    const meta = await reader.meta()
    // Nothing published yet: a valid, empty exposition.
    if (!meta) return c.body('', 200, { 'Content-Type': CONTENT_TYPE, 'Cache-Control': 'no-store' })
    const view = await publishedMetrics(reader, meta)
    return c.body(renderMetrics(view, new Date()), 200, { 'Content-Type': CONTENT_TYPE, 'Cache-Control': 'no-store' })
  },
)
