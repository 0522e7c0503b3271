import { DrizzleQueryError } from 'drizzle-orm'
import pMap from 'p-map'
import { configScope } from '../db/admin'
import type { Database } from '../db/client'
import { type DeclaredState, loadDeclaredState, writeBackContextLengths } from '../db/declared'
import { saveCycle } from '../db/health'
import { finishRun, startRun } from '../db/runs'
import type { Env, Settings } from '../env'
import { ProviderError } from '../errors/provider-error'
import { KvDetailCache } from '../kv/detail-cache'
import { ModelCache } from '../kv/model-cache'
import { publishedStates } from '../kv/published-states'
import { SnapshotReader } from '../kv/snapshot-reader'
import { SnapshotStore, type StoredMeta } from '../kv/snapshot-store'
import { adapterFor } from '../providers'
import { resolveCredential } from './credentials'
import { declaredSets } from './declared-sets'
import { LeaseKeeper, LeaseLostError } from './lease'
import { UNSUPPORTED_POLICY, indexOverrides, mergeBackend } from './merge'
import { probeBackend } from './probe'
import type { ListedModel } from './health'
import { type Probed, settleFleet } from './settle-fleet'
import { BACKEND_STATUSES, type BackendStatus, type Snapshot } from '../published/types'

export interface CycleDeps {
  env: Env
  settings: Settings
  kv: KVNamespace
  /** Opens the invocation's database; called once, and a failure counts as the database being down. */
  db: () => Database
  fetch: typeof fetch
  now: () => Date
  trigger: 'cron' | 'manual'
}

export interface RunSummary {
  runId: string
  outcome: 'ok' | 'failed' | 'skipped'
  error?: string
  trigger: string
  startedAt: string
  durationMs: number
  backends: number
  byStatus: Record<BackendStatus, number>
  cacheHits: number
  kvWrites: number
  snapshotWritten: boolean
  /** Change-feed events this cycle recorded. */
  events?: number
  /** The publish step: its KV writes (counted in kvWrites too) and its time. */
  publish?: { kvWrites: number; ms: number }
  /** What went wrong without failing the cycle: lease renewals, a lease taken over. */
  warnings?: string[]
}

/** KV key holding the last run that could not be recorded in Postgres (the database was down). */
export const UNRECORDED_RUN_KEY = 'runs:last-unrecorded'

/** What UNRECORDED_RUN_KEY holds: the run's summary, and when it ended (absent in older entries). */
export interface UnrecordedRun extends RunSummary {
  finishedAt?: string
}

/**
 * One reconcile cycle (the Go `RunBackendCycle`): take the lease (renewed while the cycle runs),
 * load the declared state in one round trip, probe every backend concurrently within the bound
 * and the timeout, merge, publish the snapshot if it changed, save the health history, record
 * the run. A database that cannot be reached leaves the last snapshot untouched; a cycle that
 * lost its lease to a later one publishes nothing.
 */
export async function runBackendCycle(deps: CycleDeps): Promise<RunSummary> {
  const startedAt = deps.now()
  const summary: RunSummary = {
    runId: crypto.randomUUID(),
    outcome: 'ok',
    trigger: deps.trigger,
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    backends: 0,
    byStatus: Object.fromEntries(BACKEND_STATUSES.map((s) => [s, 0])) as Record<BackendStatus, number>,
    cacheHits: 0,
    kvWrites: 0,
    snapshotWritten: false,
  }
  const warnings: string[] = []
  // The isolate's clock stands still while it computes (deployed Workers move Date.now() only
  // when I/O completes), so a cycle that spent its time parsing would look short. The database's
  // clock does not: when the run is recorded, the duration it measured from the run's start is
  // used if it is longer. The local clock is still read only after an awaited I/O.
  const done = (outcome: RunSummary['outcome'], error?: string, databaseMs = 0) => {
    summary.outcome = outcome
    if (error) summary.error = error
    if (warnings.length > 0) summary.warnings = warnings
    summary.durationMs = Math.max(deps.now().getTime() - startedAt.getTime(), databaseMs)
    console.log(JSON.stringify({ msg: 'reconcile cycle', ...summary }))
    return summary
  }

  let db: Database
  try {
    db = deps.db()
    const started = await startRun(db, {
      id: summary.runId,
      trigger: deps.trigger,
      leaseTtlS: deps.settings.LEASE_TTL_S,
    })
    if (!started.leased) return done('skipped', 'another reconcile cycle holds the lease')
    for (const id of started.abandoned) {
      warnings.push(`run ${id} stopped renewing its lease; took over and recorded it as abandoned`)
    }
  } catch (error) {
    const message = `database unavailable: ${errorText(error)}`
    await saveUnrecorded(deps, summary, message, warnings)
    return done('failed', message)
  }

  const lease = new LeaseKeeper(db, { id: summary.runId, leaseTtlS: deps.settings.LEASE_TTL_S }, errorText)
  lease.start()
  /** Stops renewing, records the run (in KV when Postgres cannot take it), then ends the cycle. */
  const record = async (outcome: 'ok' | 'failed' | 'abandoned', error?: string) => {
    await lease.stop()
    warnings.push(...lease.errors)
    let recorded: Awaited<ReturnType<typeof finishRun>>
    try {
      recorded = await finishRun(db, { id: summary.runId, outcome, error, counts: countsOf(summary) })
    } catch (recordError) {
      const message = [error, `recording the run: ${errorText(recordError)}`].filter(Boolean).join('; ')
      await saveUnrecorded(deps, summary, message, warnings)
      return done('failed', message)
    }
    // The API's summary says `failed` for a run that lost its lease; the history says why.
    return done(outcome === 'abandoned' ? 'failed' : outcome, error, recorded.durationMs)
  }

  try {
    let declared: DeclaredState
    try {
      declared = await loadDeclaredState(db, { now: startedAt })
    } catch (error) {
      return await record('failed', `loading declared state: ${errorText(error)}`)
    }

    let observed: Awaited<ReturnType<typeof observeAll>>
    try {
      observed = await observeAll(declared, deps, summary, warnings)
    } catch (error) {
      return await record('failed', errorText(error))
    }

    try {
      await lease.confirm()
    } catch (error) {
      if (error instanceof LeaseLostError) return await record('abandoned', error.message)
      return await record('failed', `confirming the lease before publishing: ${errorText(error)}`)
    }

    // Each step on its own: a KV outage must not lose the health history, and a database error
    // after publishing must not hide that the snapshot is out.
    const errors: string[] = []
    try {
      const publishStarted = deps.now()
      const decision = await new SnapshotStore(deps.kv).write(observed.snapshot, observed.previousMeta, {
        now: publishStarted,
        heartbeatSeconds: deps.settings.SNAPSHOT_HEARTBEAT_S,
        cycle: {
          startedAt: summary.startedAt,
          durationMs: publishStarted.getTime() - startedAt.getTime(),
          outcome: 'ok',
        },
      })
      summary.snapshotWritten = decision.written
      summary.kvWrites += decision.kvWrites
      summary.publish = { kvWrites: decision.kvWrites, ms: deps.now().getTime() - publishStarted.getTime() }
    } catch (error) {
      errors.push(`publishing the snapshot to KV: ${errorText(error)}`)
    }
    try {
      await writeBackContextLengths(db, observed.learnedContexts)
    } catch (error) {
      errors.push(`writing back learned context lengths: ${errorText(error)}`)
    }
    try {
      await saveCycle(db, observed.save)
      summary.events = observed.save.events.length
    } catch (error) {
      errors.push(`saving health: ${errorText(error)}`)
    }
    return await record(errors.length > 0 ? 'failed' : 'ok', errors.join('; ') || undefined)
  } finally {
    await lease.stop()
  }
}

async function observeAll(declared: DeclaredState, deps: CycleDeps, summary: RunSummary, warnings: string[]) {
  const store = new SnapshotStore(deps.kv)
  const cache = new ModelCache(deps.kv, deps.settings.PROVIDER_CACHE_TTL_S)
  // Only the meta: health history comes from Postgres, so the previous shards are not needed.
  const previousMeta = await store.readMeta()
  const configs = new Map(declared.providerConfigs.map((c) => [configScope(c.type, c.backendId), c]))
  const overrides = indexOverrides(declared.overrides)
  const work = declaredSets(declared, deps.settings.GROUPS).map((w) => ({ ...w, found: adapterFor(w.backend.type) }))
  const cacheable = work.filter(({ found }) => found?.adapter.cacheable)
  const cached = await cache.getMany(cacheable.map(({ backend }) => backend.id))
  const checkedAt = deps.now().toISOString()
  const detailCaches = new Map<string, KvDetailCache>()
  const detailCacheFor = (type: string) => {
    if (!detailCaches.has(type)) detailCaches.set(type, new KvDetailCache(deps.kv, type))
    return detailCaches.get(type)!
  }

  const nowMs = deps.now().getTime()
  /** Until when a backend asked not to be asked (Retry-After), if that is still ahead. */
  const deferredUntil = (id: string) => {
    const until = declared.healthByBackend.get(id)?.retryAfterUntil
    return until && Date.parse(until) > nowMs ? until : null
  }
  const results = await pMap(
    work,
    async ({ backend, found }) => {
      const until = deferredUntil(backend.id)
      if (until) {
        const label = found?.adapter.label ?? backend.type
        const error = new ProviderError('rate_limited', `${label}: not asked before ${until}, as its Retry-After asked`)
        return { outcome: { ok: false as const, error, latencyMs: 0 }, cacheHit: false, kvWrites: 0 }
      }
      if (!found) {
        const error = new ProviderError('unsupported', `Unsupported backend type: ${backend.type}`)
        return { outcome: { ok: false as const, error, latencyMs: 0 }, cacheHit: false, kvWrites: 0 }
      }
      const config = configs.get(configScope(found.type, backend.id)) ?? configs.get(found.type)
      const credential = await resolveCredential(config, deps.env, {
        baseUrl: backend.baseUrl,
        officialHosts: found.adapter.officialHosts,
      })
      const result = await probeBackend(backend, found.type, found.adapter, credential, {
        fetch: deps.fetch,
        timeoutMs: deps.settings.PROBE_TIMEOUT_MS,
        cache,
        cached,
        now: deps.now,
        detailCache: (type) => detailCacheFor(type),
        maxResponseBytes: deps.settings.MAX_RESPONSE_BYTES,
        maxModelsPerBackend: deps.settings.MAX_MODELS_PER_BACKEND,
        secretsKey: deps.env.SECRETS_KEY,
      })
      return result
    },
    { concurrency: deps.settings.PROBE_CONCURRENCY },
  )

  const probes: Probed[] = []
  const learnedContexts: { id: string; contextLength: number }[] = []
  work.forEach(({ backend, declared: declaredModels, found }, i) => {
    const result = results[i]!
    const merged = mergeBackend({
      backend,
      type: found?.type ?? backend.type,
      adapter: found?.adapter ?? UNSUPPORTED_POLICY,
      declared: declaredModels,
      outcome: result.outcome,
      previous: declared.healthByBackend.get(backend.id),
      overrides,
      autoDiscover: deps.settings.AUTO_DISCOVER,
      checkedAt,
    })
    probes.push({ probed: merged.state, outcome: result.outcome, deferredUntil: deferredUntil(backend.id) })
    learnedContexts.push(...merged.learnedContexts)
    if (result.cacheHit) summary.cacheHits++
    summary.kvWrites += result.kvWrites
  })
  const { backends, save } = await settleFleet({
    probes,
    healthByBackend: declared.healthByBackend,
    windowsByBackend: declared.windowsByBackend,
    thresholds: { fail: deps.settings.FAIL_THRESHOLD, recover: deps.settings.RECOVER_THRESHOLD },
    now: new Date(checkedAt),
    eventRetentionDays: deps.settings.EVENT_RETENTION_DAYS,
    loadLastGood: (ids) => lastPublishedModels(deps.kv, previousMeta, ids, warnings),
  })
  for (const state of backends) summary.byStatus[state.status]++
  // Code-point order, not locale order: the content hash must not depend on the runtime's locale.
  for (const detailCache of detailCaches.values()) summary.kvWrites += detailCache.writes
  backends.sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id))
  summary.backends = backends.length
  const snapshot: Snapshot = { backends }
  return { snapshot, previousMeta, learnedContexts: dedupeLearned(learnedContexts), save }
}

/**
 * The models these backends were last published with, from the previous snapshot in KV: a failing
 * backend keeps serving them, marked stale. A snapshot KV cannot give back (not yet visible here, or
 * from before this layout) leaves them without, and says so.
 */
async function lastPublishedModels(
  kv: KVNamespace,
  meta: StoredMeta | null,
  ids: string[],
  warnings: string[],
): Promise<Map<string, ListedModel[]>> {
  if (ids.length === 0 || meta?.schemaVersion !== 2) return new Map()
  try {
    const states = await publishedStates(new SnapshotReader(kv, { metaMaxAgeMs: 0 }), meta, ids)
    return new Map(
      [...states].map(([id, state]) => [
        id,
        state.pulledModels.map(({ firstSeenAt: _f, observedAt: _o, stale: _s, ...model }) => model),
      ]),
    )
  } catch (error) {
    warnings.push(`reading the last published models of failing backends: ${errorText(error)}`)
    return new Map()
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Several backends may serve the same declared model; learn its context once. */
function dedupeLearned(learned: { id: string; contextLength: number }[]) {
  return [...new Map(learned.map((l) => [l.id, l])).values()]
}

function countsOf(summary: RunSummary) {
  return {
    backendsTotal: summary.backends,
    backendsHealthy: summary.byStatus.healthy,
    backendsFailed: summary.backends - summary.byStatus.healthy - summary.byStatus.degraded,
    snapshotWritten: summary.snapshotWritten,
  }
}

/**
 * Keeps the run Postgres could not take in KV, for GET /runs. A KV failure here becomes a warning
 * in the cycle's log line: there is nowhere else left to put it.
 */
async function saveUnrecorded(deps: CycleDeps, summary: RunSummary, error: string, warnings: string[]) {
  const finishedAt = deps.now()
  const run: UnrecordedRun = {
    ...summary,
    outcome: 'failed',
    error,
    ...(warnings.length > 0 ? { warnings } : {}),
    durationMs: finishedAt.getTime() - Date.parse(summary.startedAt),
    finishedAt: finishedAt.toISOString(),
  }
  try {
    await deps.kv.put(UNRECORDED_RUN_KEY, JSON.stringify(run))
  } catch (kvError) {
    warnings.push(`keeping the unrecorded run in KV: ${errorText(kvError)}`)
  }
}

/**
 * The driver's own message: drizzle wraps it in one that repeats the whole query and its params,
 * and a WebSocket that could not connect reports an ErrorEvent, whose text is in `message`.
 */
function errorText(error: unknown): string {
  const cause = error instanceof DrizzleQueryError ? error.cause : error
  const message = (cause as { message?: unknown } | undefined)?.message
  if (typeof message === 'string' && message) return message
  if (cause instanceof Event) return `${cause.type} event from the database connection`
  return String(cause)
}
