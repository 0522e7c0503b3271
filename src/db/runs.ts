import { desc, sql } from 'drizzle-orm'
import type { Database } from './client'
import { cycleObservations, reconcileLease, reconcileRuns } from './schema'

const LEASE = 'reconcile'

/**
 * True while `runId` holds the cycle lease: every write a cycle makes is conditional on it, in the
 * same statement, so a cycle that lost its lease writes nothing after the run that took it over.
 */
export const holdsLease = (runId: string) =>
  sql`exists (select 1 from ${reconcileLease} where name = ${LEASE} and run_id = ${runId})`

/** How long run history is kept; each cycle deletes older rows. */
export const RUN_RETENTION_DAYS = 30

/** The error recorded for a run whose cycle died (or hung) holding the lease. */
export const ABANDONED_ERROR =
  'abandoned: the cycle stopped renewing its lease (killed, crashed or stuck) and a later cycle took over'

export type RunOutcome = 'running' | 'ok' | 'failed' | 'abandoned'

export interface RunCounts {
  backendsTotal: number
  backendsHealthy: number
  backendsFailed: number
  snapshotWritten: boolean
  deferred: number
}

/** The most one invocation of a run used, kept as the run's maximum. */
export interface InvocationUsage {
  subrequests: number
  kvOps: number
}

export interface StartedRun {
  /** False when another cycle holds an unexpired lease: nothing was written. */
  leased: boolean
  /** Runs this one found dead and recorded as `abandoned`. */
  abandoned: string[]
}

/**
 * Takes the cycle lease and records the run as started, in one atomic statement. Returns
 * `leased: false` when another cycle holds an unexpired lease. An expired lease means its holder
 * stopped renewing it: the lease is taken over, and the holder's run, with any other run still
 * `running` from before the lease's lifetime, is recorded as abandoned in the same statement.
 * The run history older than RUN_RETENTION_DAYS goes in it too, so keeping it bounded costs the
 * cycle no round trip of its own.
 */
export async function startRun(
  db: Database,
  run: { id: string; trigger: string; leaseTtlS: number },
): Promise<StartedRun> {
  const ttl = sql`make_interval(secs => ${run.leaseTtlS})`
  // Every part of one statement sees the same snapshot: `previous` is the holder before the
  // takeover, `abandoned` cannot touch the row `started` inserts, and `pruned` leaves running
  // rows to `abandoned` (a row changed twice in one statement has an unpredictable result).
  const result = await db.execute<{ id: string | null; abandoned: string[] }>(sql`with previous as (
      select run_id from ${reconcileLease} where name = ${LEASE}
    ),
    lease as (
      insert into ${reconcileLease} (name, run_id, expires_at)
      values (${LEASE}, ${run.id}, now() + ${ttl})
      on conflict (name) do update set run_id = excluded.run_id, expires_at = excluded.expires_at
        where ${reconcileLease.expiresAt} <= now()
      returning run_id
    ),
    abandoned as (
      update ${reconcileRuns} set outcome = 'abandoned', finished_at = now(), error = ${ABANDONED_ERROR}
      where outcome = 'running' and exists (select 1 from lease)
        and (id in (select run_id from previous) or started_at < now() - ${ttl})
      returning id
    ),
    pruned as (
      delete from ${reconcileRuns}
      where started_at < now() - make_interval(days => ${RUN_RETENTION_DAYS}) and outcome <> 'running'
        and exists (select 1 from lease)
    ),
    started as (
      insert into ${reconcileRuns} (id, trigger, outcome)
      select run_id, ${run.trigger}, 'running' from lease
      returning id
    )
    select (select id from started) as id,
      coalesce((select json_agg(id order by id) from abandoned), '[]'::json) as abandoned`)
  const row = result.rows[0]
  return { leased: Boolean(row?.id), abandoned: row?.abandoned ?? [] }
}

/**
 * Extends the lease by its lifetime, if this run still holds it. Returns false when another run
 * has taken it over (this one stopped renewing for longer than the lease lasts).
 */
export async function renewLease(db: Database, run: { id: string; leaseTtlS: number }): Promise<boolean> {
  const result = await db.execute(sql`update ${reconcileLease}
    set expires_at = now() + make_interval(secs => ${run.leaseTtlS})
    where name = ${LEASE} and run_id = ${run.id}
    returning run_id`)
  return result.rows.length === 1
}

/**
 * Records how the run ended and releases the lease, in one statement, only while this run holds
 * the lease: a run that lost it was recorded `abandoned` by the run that took it over. Answers how
 * long the run took by the database's clock (from its start to now), which keeps running while
 * the isolate's clock stands still during CPU work; `recorded: false` when the lease was gone.
 */
export async function finishRun(
  db: Database,
  run: {
    id: string
    outcome: Exclude<RunOutcome, 'running'>
    error?: string
    counts?: RunCounts
    usage?: InvocationUsage
    /** What the run's look at the model catalog did (a fanned-out run's planner records its own). */
    catalog?: object
  },
): Promise<{ durationMs: number | undefined; recorded: boolean }> {
  const counts = run.counts ?? {
    backendsTotal: 0,
    backendsHealthy: 0,
    backendsFailed: 0,
    snapshotWritten: false,
    deferred: 0,
  }
  const usage = run.usage ?? { subrequests: 0, kvOps: 0 }
  const result = await db.execute<{ duration_ms: number | string }>(sql`with released as (
      update ${reconcileLease} set expires_at = now() where name = ${LEASE} and run_id = ${run.id}
    )
    update ${reconcileRuns} set finished_at = now(), outcome = ${run.outcome}, error = ${run.error ?? null},
      backends_total = ${counts.backendsTotal}, backends_healthy = ${counts.backendsHealthy},
      backends_failed = ${counts.backendsFailed}, snapshot_written = ${counts.snapshotWritten},
      deferred = ${counts.deferred},
      max_subrequests = greatest(max_subrequests, ${usage.subrequests}),
      max_kv_ops = greatest(max_kv_ops, ${usage.kvOps}),
      catalog = coalesce(${run.catalog ? JSON.stringify(run.catalog) : null}::jsonb, catalog)
    where id = ${run.id} and ${holdsLease(run.id)}
    returning (extract(epoch from (finished_at - started_at)) * 1000)::float8 as duration_ms`)
  const durationMs = Number(result.rows[0]?.duration_ms)
  return {
    durationMs: Number.isFinite(durationMs) ? Math.round(durationMs) : undefined,
    recorded: result.rows.length === 1,
  }
}

/** Keeps an invocation's use of its budgets as the run's maximum (a fanned-out run has many). */
export async function recordUsage(
  db: Database,
  runId: string,
  usage: InvocationUsage,
  catalog?: object,
): Promise<void> {
  await db.execute(sql`update ${reconcileRuns}
    set max_subrequests = greatest(max_subrequests, ${usage.subrequests}),
      max_kv_ops = greatest(max_kv_ops, ${usage.kvOps}),
      catalog = coalesce(${catalog ? JSON.stringify(catalog) : null}::jsonb, catalog)
    where id = ${runId}`)
}

/**
 * Marks a run as fanned out: how many backends its shards carry, and until when it waits for them.
 * The lease is stretched to the deadline and a minute past it, for the publish that follows.
 */
export async function planRun(db: Database, run: { id: string; planned: number; deadline: Date }): Promise<boolean> {
  const deadline = run.deadline.toISOString()
  const result = await db.execute(sql`with lease as (
      update ${reconcileLease} set expires_at = greatest(expires_at, ${deadline}::timestamptz + '1 minute'::interval)
      where name = ${LEASE} and run_id = ${run.id}
      returning run_id
    )
    update ${reconcileRuns} set planned = ${run.planned}, deadline = ${deadline}::timestamptz
    where id in (select run_id from lease)
    returning id`)
  return result.rows.length === 1
}

export interface FannedOutRun {
  id: string
  trigger: string
  startedAt: string
  planned: number
  deadline: string
  /** Observations stored so far. */
  observed: number
  publishedBy: string | null
  outcome: RunOutcome
}

/** A fanned-out run as its consumers see it; null for a run that is not (or no longer) one. */
export async function fannedOutRun(db: Database, runId: string): Promise<FannedOutRun | null> {
  const result = await db.execute(sql`select r.id, r.trigger, r.started_at, r.planned,
      r.deadline, r.published_by, r.outcome,
      (select count(*) from ${cycleObservations} o where o.run_id = r.id) as observed
    from ${reconcileRuns} r where r.id = ${runId} and r.planned is not null`)
  const row = result.rows[0]
  if (!row) return null
  return {
    id: String(row.id),
    trigger: String(row.trigger),
    startedAt: new Date(String(row.started_at)).toISOString(),
    planned: Number(row.planned),
    deadline: new Date(String(row.deadline)).toISOString(),
    observed: Number(row.observed),
    publishedBy: (row.published_by as string | null) ?? null,
    outcome: row.outcome as RunOutcome,
  }
}

/**
 * Claims the publication of a fanned-out run for the message `by`: while the run still holds the
 * lease and is running, when every planned backend is observed or the deadline has passed. The
 * same message may claim it again (its retry finishes what it began); another may not. False when
 * another message claimed it, or it is not time yet.
 */
export async function claimPublish(db: Database, run: { id: string; by: string }): Promise<boolean> {
  const result = await db.execute(sql`update ${reconcileRuns} r set published_by = ${run.by}
    where r.id = ${run.id} and (r.published_by is null or r.published_by = ${run.by}) and r.outcome = 'running'
      and ${holdsLease(run.id)}
      and (r.deadline <= now()
        or (select count(*) from ${cycleObservations} o where o.run_id = r.id) >= r.planned)
    returning r.id`)
  return result.rows.length === 1
}

/**
 * Stores one shard's observations, each once per (run, backend), while the run holds the lease and
 * has not been published. Returns how many were new.
 */
export async function saveObservations(
  db: Database,
  runId: string,
  observations: { backendId: string; observation: unknown }[],
): Promise<number> {
  if (observations.length === 0) return 0
  const rows = JSON.stringify(observations.map((o) => ({ backend_id: o.backendId, observation: o.observation })))
  const result = await db.execute(sql`insert into ${cycleObservations} (run_id, backend_id, observation)
    select ${runId}, x.backend_id, x.observation
    from jsonb_to_recordset(${rows}::jsonb) as x(backend_id text, observation jsonb)
    where ${holdsLease(runId)}
      and exists (select 1 from ${reconcileRuns} r where r.id = ${runId} and r.published_by is null)
    on conflict (run_id, backend_id) do nothing
    returning backend_id`)
  return result.rows.length
}

/** Every observation a fanned-out run has, by backend id. */
export async function loadObservations(db: Database, runId: string): Promise<Map<string, unknown>> {
  const result = await db.execute<{ backend_id: string; observation: unknown }>(
    sql`select backend_id, observation from ${cycleObservations} where run_id = ${runId}`,
  )
  return new Map(result.rows.map((r) => [r.backend_id, r.observation]))
}

export type RunRecord = typeof reconcileRuns.$inferSelect

/** The most recent runs, newest first. */
export async function recentRuns(db: Database, limit: number): Promise<RunRecord[]> {
  return db.select().from(reconcileRuns).orderBy(desc(reconcileRuns.startedAt), desc(reconcileRuns.id)).limit(limit)
}

/** Which of these backends a run already has observations of (a redelivered shard skips them). */
export async function observedBackends(db: Database, runId: string, ids: readonly string[]): Promise<Set<string>> {
  const result = await db.execute<{ backend_id: string }>(sql`select backend_id from ${cycleObservations}
    where run_id = ${runId} and backend_id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`)
  return new Set(result.rows.map((r) => r.backend_id))
}
