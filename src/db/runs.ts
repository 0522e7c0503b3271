import { desc, sql } from 'drizzle-orm'
import type { Database } from './client'
import { reconcileLease, reconcileRuns } from './schema'

const LEASE = 'reconcile'

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
 * Records how the run ended and releases the lease if this run still holds it, in one statement.
 * Answers how long the run took by the database's clock (from its start to now), which keeps
 * running while the isolate's clock stands still during CPU work.
 */
export async function finishRun(
  db: Database,
  run: { id: string; outcome: Exclude<RunOutcome, 'running'>; error?: string; counts?: RunCounts },
): Promise<{ durationMs: number | undefined }> {
  const counts = run.counts ?? { backendsTotal: 0, backendsHealthy: 0, backendsFailed: 0, snapshotWritten: false }
  const result = await db.execute<{ duration_ms: number | string }>(sql`with released as (
      update ${reconcileLease} set expires_at = now() where name = ${LEASE} and run_id = ${run.id}
    )
    update ${reconcileRuns} set finished_at = now(), outcome = ${run.outcome}, error = ${run.error ?? null},
      backends_total = ${counts.backendsTotal}, backends_healthy = ${counts.backendsHealthy},
      backends_failed = ${counts.backendsFailed}, snapshot_written = ${counts.snapshotWritten}
    where id = ${run.id}
    returning (extract(epoch from (finished_at - started_at)) * 1000)::float8 as duration_ms`)
  const durationMs = Number(result.rows[0]?.duration_ms)
  return { durationMs: Number.isFinite(durationMs) ? Math.round(durationMs) : undefined }
}

export type RunRecord = typeof reconcileRuns.$inferSelect

/** The most recent runs, newest first. */
export async function recentRuns(db: Database, limit: number): Promise<RunRecord[]> {
  return db.select().from(reconcileRuns).orderBy(desc(reconcileRuns.startedAt), desc(reconcileRuns.id)).limit(limit)
}
