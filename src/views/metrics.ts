import type { CatalogMeta } from '../catalog/store'
import type { LastCycle, MovingView } from '../kv/moving-view'
import { BACKEND_STATUSES, type BackendRuntimeState, type BackendStatus } from '../published/types'

/**
 * The Prometheus text exposition format (version 0.0.4), rendered from the published snapshot's
 * metrics view and what the last cycle left in KV when it published no version: nothing here reads
 * Postgres.
 */

/** One backend, as the metrics view stores it at publish. */
export interface BackendMetrics {
  id: string
  name: string
  type: string
  status: BackendStatus
  models: number
  /** Share of good probes over the last 24 h; null when none ran. */
  uptime24h: number | null
  latencyP95Ms: number | null
  lastSuccessAt: string | null
}

/** A cycle: the one that published the snapshot (up to publishing), or a later one that published none. */
export interface CycleMetrics {
  startedAt: string
  durationMs: number
  outcome: 'ok' | 'failed'
  /** Backends it did not check (its time or an invocation's budgets ran out); absent in older versions. */
  deferred?: number
}

export interface MetricsView {
  backends: BackendMetrics[]
  /** The last cycle. */
  cycle: CycleMetrics
  /** Null when no snapshot was published yet (the first cycles failed). */
  publishedAt: string | null
}

/** The metrics view stored at publish, from the snapshot's backends. */
export function metricsView(
  states: readonly BackendRuntimeState[],
  cycle: CycleMetrics,
  publishedAt: Date,
): MetricsView {
  return {
    backends: states.map((s) => ({
      id: s.id,
      name: s.name,
      type: s.backend.type,
      status: s.status,
      models: s.pulledModels.length,
      uptime24h: s.uptime['24h'],
      latencyP95Ms: s.latency24h.p95Ms,
      lastSuccessAt: s.lastSuccessAt,
    })),
    cycle,
    publishedAt: publishedAt.toISOString(),
  }
}

/** The metrics view of a version, from its moving values alone (each record carries the backend's facts). */
export function metricsFromMoving(moving: MovingView<CycleMetrics>, publishedAt: string): MetricsView {
  const backends: BackendMetrics[] = []
  for (let i = 0; i < moving.count; i++) {
    const [fields, , [id, name, type, status, models]] = moving.record(i)
    backends.push({
      id,
      name,
      type,
      status,
      models,
      uptime24h: fields.uptime?.['24h'] ?? null,
      latencyP95Ms: fields.latency24h?.p95Ms ?? null,
      lastSuccessAt: fields.lastSuccessAt ?? null,
    })
  }
  return { backends, cycle: moving.header.cycle, publishedAt }
}

/** How a cycle ended, as its run summary says. */
export interface CycleEnd {
  outcome: 'ok' | 'failed' | 'skipped'
  startedAt: string
  durationMs: number
  deferred: number
  snapshotWritten: boolean
}

/**
 * What a finished cycle keeps for /metrics (kv/moving-view.ts LAST_CYCLE_KEY), or null when it has
 * nothing to add: a skipped cycle did nothing, and a good one that published a version said it all in
 * the version's moving values. So a quiet cycle writes this one value, and a publishing one nothing
 * more; without it a failed cycle would leave /metrics saying the last one succeeded, and a healthy
 * backend's last success would look as old as the last publish.
 */
export function lastCycle(end: CycleEnd, lastSuccessAt: Record<string, string> = {}): LastCycle<CycleMetrics> | null {
  if (end.outcome === 'skipped' || (end.outcome === 'ok' && end.snapshotWritten)) return null
  const { startedAt, durationMs, outcome, deferred } = end
  return { cycle: { startedAt, durationMs, outcome, deferred }, lastSuccessAt }
}

/** Each backend's last success as a cycle settled it, for lastCycle: only those that ever listed. */
export function lastSuccesses(states: readonly Pick<BackendRuntimeState, 'id' | 'lastSuccessAt'>[]) {
  const at: Record<string, string> = {}
  for (const s of states) if (s.lastSuccessAt !== null) at[s.id] = s.lastSuccessAt
  return at
}

/**
 * The published figures brought up to the last cycle, when that one came after the publishing
 * cycle (or is it, having failed after publishing): its figures, and each backend's later success.
 * The snapshot's statuses, models, uptime and latency stay as published: a cycle that published
 * nothing did not change them.
 */
export function withLastCycle(view: MetricsView, last: LastCycle<CycleMetrics> | null): MetricsView {
  if (!last || Date.parse(last.cycle.startedAt) < Date.parse(view.cycle.startedAt)) return view
  const later = (published: string | null, settled: string | undefined) =>
    settled !== undefined && (published === null || Date.parse(settled) > Date.parse(published)) ? settled : published
  return {
    ...view,
    cycle: last.cycle,
    backends: view.backends.map((b) => ({ ...b, lastSuccessAt: later(b.lastSuccessAt, last.lastSuccessAt[b.id]) })),
  }
}

/** Before any snapshot: only the last cycle's figures (the first cycles failed). */
export function cycleOnly(last: LastCycle<CycleMetrics>): MetricsView {
  return { backends: [], cycle: last.cycle, publishedAt: null }
}

/** A label value as the format wants it: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs)
    .map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
    .join(',')}}`
}

const seconds = (ms: number) => ms / 1000

export function renderMetrics(view: MetricsView, now: Date): string {
  const lines: string[] = []
  const family = (name: string, help: string, type: 'gauge', samples: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
    for (const [labelText, value] of samples) lines.push(`${name}${labelText} ${formatValue(value)}`)
  }
  const of = (b: BackendMetrics) => labels({ backend_id: b.id, backend: b.name, type: b.type })
  const ofWith = (b: BackendMetrics, extra: Record<string, string>) =>
    labels({ backend_id: b.id, backend: b.name, type: b.type, ...extra })

  family(
    'runtimestate_backend_status',
    'Backend status: 1 for its current status, 0 for the others.',
    'gauge',
    view.backends.flatMap((b) =>
      BACKEND_STATUSES.map((s): [string, number] => [ofWith(b, { status: s }), b.status === s ? 1 : 0]),
    ),
  )
  family(
    'runtimestate_backend_models',
    'Models the backend serves.',
    'gauge',
    view.backends.map((b) => [of(b), b.models]),
  )
  family(
    'runtimestate_backend_uptime_ratio',
    'Share of probes over the last 24 h that ended healthy or degraded.',
    'gauge',
    view.backends.filter((b) => b.uptime24h !== null).map((b) => [ofWith(b, { window: '24h' }), b.uptime24h!]),
  )
  family(
    'runtimestate_backend_latency_p95_seconds',
    '95th percentile of listing latency over the last 24 h (upper bound of its histogram bucket).',
    'gauge',
    view.backends.filter((b) => b.latencyP95Ms !== null).map((b) => [of(b), seconds(b.latencyP95Ms!)]),
  )
  family(
    'runtimestate_backend_last_success_age_seconds',
    'Seconds since the backend last listed its models successfully, as of the last cycle.',
    'gauge',
    view.backends
      .filter((b) => b.lastSuccessAt !== null)
      .map((b) => [of(b), Math.max(0, seconds(now.getTime() - Date.parse(b.lastSuccessAt!)))]),
  )
  family(
    'runtimestate_cycle_duration_seconds',
    'Duration of the last cycle (of one that published the snapshot: up to publishing).',
    'gauge',
    [['', seconds(view.cycle.durationMs)]],
  )
  family('runtimestate_cycle_success', 'Whether the last cycle succeeded (1) or failed (0).', 'gauge', [
    ['', view.cycle.outcome === 'ok' ? 1 : 0],
  ])
  family(
    'runtimestate_cycle_deferred_backends',
    "Backends the last cycle did not check: its time or an invocation's budgets ran out, or their shard never came in.",
    'gauge',
    [['', view.cycle.deferred ?? 0]],
  )
  family('runtimestate_cycle_start_timestamp_seconds', 'When the last cycle started (Unix time).', 'gauge', [
    ['', seconds(Date.parse(view.cycle.startedAt))],
  ])
  if (view.publishedAt !== null) {
    family('runtimestate_snapshot_age_seconds', 'Seconds since the snapshot was published.', 'gauge', [
      ['', Math.max(0, seconds(now.getTime() - Date.parse(view.publishedAt)))],
    ])
  }
  return `${lines.join('\n')}\n`
}

/**
 * The catalog's figures: its age since its source last gave or confirmed it (absent until it
 * has), and whether the last refresh worked. Nothing when the catalog is off or never looked at.
 */
export function renderCatalogMetrics(catalog: Pick<CatalogMeta, 'confirmedAt' | 'error'> | null, now: Date): string {
  if (!catalog) return ''
  const lines: string[] = []
  if (catalog.confirmedAt) {
    lines.push(
      '# HELP runtimestate_catalog_age_seconds Seconds since the model catalog was last fetched or confirmed unchanged.',
      '# TYPE runtimestate_catalog_age_seconds gauge',
      `runtimestate_catalog_age_seconds ${Math.max(0, seconds(now.getTime() - Date.parse(catalog.confirmedAt)))}`,
    )
  }
  lines.push(
    '# HELP runtimestate_catalog_refresh_success Whether the last catalog refresh worked (1) or failed and the last good catalog is served (0).',
    '# TYPE runtimestate_catalog_refresh_success gauge',
    `runtimestate_catalog_refresh_success ${catalog.error ? 0 : 1}`,
  )
  return `${lines.join('\n')}\n`
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

/** Webhook attempts by result since the service began, and the wait of the oldest pending delivery. */
export function renderWebhookMetrics(webhooks: { totals: Record<string, number>; oldestPendingS: number }): string {
  const results = ['success', 'retry', 'failed', 'gone']
  return `${[
    '# HELP runtimestate_webhook_deliveries_total Webhook delivery attempts by result: success (2xx), retry (failed, tried again later), failed (failed, no more tries), gone (410, the subscription disabled).',
    '# TYPE runtimestate_webhook_deliveries_total counter',
    ...results.map(
      (result) => `runtimestate_webhook_deliveries_total{result="${result}"} ${webhooks.totals[result] ?? 0}`,
    ),
    '# HELP runtimestate_webhook_oldest_pending_seconds Seconds the oldest delivery still to be sent (to an enabled subscription) has waited; 0 when none waits.',
    '# TYPE runtimestate_webhook_oldest_pending_seconds gauge',
    `runtimestate_webhook_oldest_pending_seconds ${Math.round(webhooks.oldestPendingS)}`,
  ].join('\n')}\n`
}
