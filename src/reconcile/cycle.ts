import { EMPTY_CATALOG } from '../catalog/match'
import { type CatalogForPublish, type CatalogRefresh, refreshCatalog } from '../catalog/refresh'
import { CATALOG_SUBREQUESTS, catalogKvOps, wantedCatalogProviders } from '../catalog/wanted'
import type { Database } from '../db/client'
import { type DeclaredState, loadDeclaredState } from '../db/declared'
import { finishRun, startRun } from '../db/runs'
import type { Env, Settings } from '../env'
import { writeLastCycle } from '../kv/moving-view'
import { keepUnrecordedRun } from '../kv/unrecorded-run'
import { InvocationBudget, countedFetch, countedKv, type BudgetUsage } from '../platform/invocation-budget'
import { BACKEND_STATUSES, type BackendStatus } from '../published/types'
import { lastCycle } from '../views/metrics'
import { errorText } from './cycle-errors'
import { declaredSets } from './declared-sets'
import { LeaseKeeper } from './lease'
import { observeBackends } from './observe'
import type { DeliveryPass } from '../webhooks/deliver'
import { deliverWebhooks } from './webhook-step'
import { type PublishResult, publishCycle, publishKvReserve, PUBLISH_SUBREQUESTS } from './publish'

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
  /** Backends not checked this cycle (its time or the invocation's budgets ran out): published as they were, stale. */
  deferred: number
  cacheHits: number
  kvWrites: number
  snapshotWritten: boolean
  /** Change-feed events this cycle recorded. */
  events?: number
  /** The publish step: its KV writes (counted in kvWrites too) and its time. */
  publish?: { kvWrites: number; ms: number }
  /** What this invocation used of its budgets, counted by its own wrappers. */
  usage: BudgetUsage
  /** What the cycle's look at the models.dev catalog did. */
  catalog?: CatalogRefresh
  /** The webhook deliveries sent after publishing. */
  webhooks?: DeliveryPass
  /** What went wrong without failing the cycle: lease renewals, a lease taken over. */
  warnings?: string[]
}

/** What kv/unrecorded-run.ts keeps: the run's summary, and when it ended (absent in older entries). */
export interface UnrecordedRun extends RunSummary {
  finishedAt?: string
}

/** The database's WebSocket is a subrequest and a connection of its own. */
const DATABASE_SUBREQUESTS = 1

/** A new run's summary, before anything happened. */
export function newRunSummary(trigger: string, startedAt: Date): RunSummary {
  return {
    runId: crypto.randomUUID(),
    outcome: 'ok',
    trigger,
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    backends: 0,
    byStatus: Object.fromEntries(BACKEND_STATUSES.map((s) => [s, 0])) as Record<BackendStatus, number>,
    deferred: 0,
    cacheHits: 0,
    kvWrites: 0,
    snapshotWritten: false,
    usage: { subrequests: 0, kvOps: 0, maxConnections: 0 },
  }
}

/** The invocation's budget, and its KV and fetch counted against it. */
export function invocationBudget(deps: Pick<CycleDeps, 'settings' | 'kv' | 'fetch'>) {
  const budget = new InvocationBudget({
    subrequests: deps.settings.SUBREQUEST_BUDGET,
    kvOps: deps.settings.KV_OPS_BUDGET,
  })
  return { budget, kv: countedKv(deps.kv, budget), fetch: countedFetch(deps.fetch, budget) }
}

/**
 * One reconcile cycle in one invocation (the Go `RunBackendCycle`): plan (take the lease, renewed
 * while the cycle runs, and load the declared state in one round trip), observe every backend
 * within the cycle's time and the invocation's budgets, then publish. A database that cannot be
 * reached leaves the last snapshot untouched; a cycle that lost its lease writes nothing.
 */
export async function runBackendCycle(deps: CycleDeps): Promise<RunSummary> {
  const startedAt = deps.now()
  const summary = newRunSummary(deps.trigger, startedAt)
  const { budget, kv, fetch } = invocationBudget(deps)
  const warnings: string[] = []
  let lastSuccessAt: Record<string, string> | undefined
  /** Ends the summary, and keeps for /metrics what no published version says (views/metrics.ts lastCycle). */
  const done = async (outcome: RunSummary['outcome'], error?: string, databaseMs = 0) => {
    const finished = finishSummary(summary, { outcome, error, warnings, budget, now: deps.now(), databaseMs })
    await writeLastCycle(kv, lastCycle(finished, lastSuccessAt))
    return finished
  }

  const begun = await beginRun({ ...deps, kv }, summary, budget, warnings)
  if ('outcome' in begun) return done(begun.outcome, begun.error)
  const { db } = begun

  const lease = new LeaseKeeper(db, { id: summary.runId, leaseTtlS: deps.settings.LEASE_TTL_S }, errorText)
  lease.start()
  /** Stops renewing, records the run (in KV when Postgres cannot take it), then ends the cycle. */
  const record = async (outcome: 'ok' | 'failed' | 'abandoned', error?: string) => {
    await lease.stop()
    warnings.push(...lease.errors)
    let recorded: Awaited<ReturnType<typeof finishRun>>
    try {
      recorded = await finishRun(db, {
        id: summary.runId,
        outcome,
        error,
        counts: countsOf(summary),
        usage: budget.usage(),
        catalog: summary.catalog,
      })
    } catch (recordError) {
      const message = [error, `recording the run: ${errorText(recordError)}`].filter(Boolean).join('; ')
      await saveUnrecorded({ ...deps, kv }, summary, message, warnings)
      return done('failed', message)
    }
    if (!recorded.recorded) {
      const lost = 'another cycle took the lease over before this one was recorded; it recorded this one as abandoned'
      return done('failed', [error, lost].filter(Boolean).join('; '))
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
    const work = declaredSets(declared, deps.settings.GROUPS)
    let published: PublishResult
    try {
      // Probes spend the budgets less what the catalog and publishing need.
      const wanted = wantedCatalogProviders(declared.models)
      budget.hold('kvOps', publishKvReserve(work.length) + catalogKvOps(wanted.length))
      budget.hold('subrequests', PUBLISH_SUBREQUESTS + CATALOG_SUBREQUESTS)
      const observed = await observeBackends(declared, work, {
        env: deps.env,
        settings: deps.settings,
        kv,
        fetch,
        now: deps.now,
        budget,
        deadlineMs: startedAt.getTime() + deps.settings.CYCLE_BUDGET_MS,
      })
      summary.cacheHits = observed.cacheHits
      summary.kvWrites = observed.kvWrites
      budget.release('kvOps')
      budget.release('subrequests')
      const deadlineMs = startedAt.getTime() + deps.settings.CYCLE_BUDGET_MS
      const catalog = await (await catalogStep({ ...deps, kv, fetch, wanted, deadlineMs }, summary, warnings))()
      published = await publishCycle({
        runId: summary.runId,
        startedAt,
        declared,
        work,
        observations: new Map(observed.observations.map((o) => [o.backendId, o])),
        missing: 'time',
        db,
        kv,
        settings: deps.settings,
        now: deps.now,
        confirmLease: () => lease.confirm(),
        catalog,
      })
    } catch (error) {
      return await record('failed', errorText(error))
    }
    applyPublished(summary, published, warnings)
    lastSuccessAt = published.lastSuccessAt
    summary.webhooks = await deliverWebhooks(
      { ...deps, db, fetch, budget, deadlineMs: startedAt.getTime() + deps.settings.CYCLE_BUDGET_MS },
      warnings,
    )
    if (published.leaseLost) return await record('abandoned', published.leaseLost)
    return await record(published.errors.length > 0 ? 'failed' : 'ok', published.errors.join('; ') || undefined)
  } finally {
    await lease.stop()
  }
}

/**
 * The cycle's look at the catalog, after the probes (so it never delays them) and before
 * publishing: refreshed when due, noted in the run's summary (and so its record), and how to get
 * the catalog to publish with. A failed refresh is a warning; the last good catalog is used.
 */
export async function catalogStep(
  deps: Pick<CycleDeps, 'kv' | 'fetch' | 'now' | 'settings'> & { wanted: string[]; deadlineMs?: number },
  summary: RunSummary,
  warnings: string[],
): Promise<() => Promise<CatalogForPublish>> {
  if (!deps.settings.CATALOG_URL) return async () => ({ catalog: EMPTY_CATALOG, warnings: [] })
  const { refresh, forPublish } = await refreshCatalog(deps)
  summary.catalog = refresh
  if (refresh.error) warnings.push(`refreshing the model catalog: ${refresh.error}`)
  return forPublish
}

/**
 * Opens the database and takes the lease, recording the run as started; a run whose database
 * cannot be reached is kept in KV instead. Answers the database, or how the run ended before it began.
 */
export async function beginRun(
  deps: Pick<CycleDeps, 'db' | 'kv' | 'now' | 'trigger' | 'settings'>,
  summary: RunSummary,
  budget: InvocationBudget,
  warnings: string[],
): Promise<{ db: Database } | { outcome: 'skipped' | 'failed'; error: string }> {
  try {
    budget.take('subrequests', DATABASE_SUBREQUESTS)
    const db = deps.db()
    const started = await startRun(db, {
      id: summary.runId,
      trigger: deps.trigger,
      leaseTtlS: deps.settings.LEASE_TTL_S,
    })
    if (!started.leased) return { outcome: 'skipped', error: 'another reconcile cycle holds the lease' }
    for (const id of started.abandoned) {
      warnings.push(`run ${id} stopped renewing its lease; took over and recorded it as abandoned`)
    }
    return { db }
  } catch (error) {
    const message = `database unavailable: ${errorText(error)}`
    await saveUnrecorded(deps, summary, message, warnings)
    return { outcome: 'failed', error: message }
  }
}

/** Adds the publish step's figures to the run's summary. */
export function applyPublished(summary: RunSummary, published: PublishResult, warnings: string[]): void {
  summary.backends = published.backends
  summary.byStatus = published.byStatus
  summary.deferred = published.deferred
  summary.snapshotWritten = published.snapshotWritten
  summary.kvWrites += published.kvWrites
  if (published.publish) summary.publish = published.publish
  if (published.events !== undefined) summary.events = published.events
  warnings.push(...published.warnings)
}

/**
 * Ends the summary and logs it. The isolate's clock stands still while it computes (deployed
 * Workers move Date.now() only when I/O completes), so a cycle that spent its time parsing would
 * look short. The database's clock does not: when the run is recorded, the duration it measured
 * from the run's start is used if it is longer.
 */
export function finishSummary(
  summary: RunSummary,
  end: {
    outcome: RunSummary['outcome']
    error?: string
    warnings: string[]
    budget: InvocationBudget
    now: Date
    databaseMs?: number
    /** The log line's message: a fanned-out cycle's planning invocation says so. */
    msg?: string
  },
): RunSummary {
  summary.outcome = end.outcome
  if (end.error) summary.error = end.error
  if (end.warnings.length > 0) summary.warnings = end.warnings
  summary.usage = end.budget.usage()
  summary.durationMs = Math.max(end.now.getTime() - Date.parse(summary.startedAt), end.databaseMs ?? 0)
  console.log(JSON.stringify({ msg: end.msg ?? 'reconcile cycle', ...summary }))
  return summary
}

export function countsOf(summary: RunSummary) {
  return {
    backendsTotal: summary.backends,
    backendsHealthy: summary.byStatus.healthy,
    backendsFailed: summary.backends - summary.byStatus.healthy - summary.byStatus.degraded,
    snapshotWritten: summary.snapshotWritten,
    deferred: summary.deferred,
  }
}

/**
 * Keeps the run Postgres could not take in KV, for GET /runs. A KV failure here becomes a warning
 * in the cycle's log line: there is nowhere else left to put it.
 */
export async function saveUnrecorded(
  deps: Pick<CycleDeps, 'kv' | 'now'>,
  summary: RunSummary,
  error: string,
  warnings: string[],
) {
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
    await keepUnrecordedRun(deps.kv, run)
  } catch (kvError) {
    warnings.push(`keeping the unrecorded run in KV: ${errorText(kvError)}`)
  }
}
