import { sql } from 'drizzle-orm'
import type { Database } from './client'
import { reconcileLease, reconcileRuns } from './schema'

const LEASE = 'reconcile'

export interface RunCounts {
  backendsTotal: number
  backendsHealthy: number
  backendsFailed: number
  snapshotWritten: boolean
}

/**
 * Takes the cycle lease and records the run as started, in one atomic statement. Returns false
 * when another cycle holds an unexpired lease; an expired one (a crashed cycle) is taken over.
 */
export async function startRun(
  db: Database,
  run: { id: string; trigger: string; leaseTtlS: number },
): Promise<boolean> {
  const result = await db.execute(sql`with lease as (
      insert into ${reconcileLease} (name, run_id, expires_at)
      values (${LEASE}, ${run.id}, now() + make_interval(secs => ${run.leaseTtlS}))
      on conflict (name) do update set run_id = excluded.run_id, expires_at = excluded.expires_at
        where ${reconcileLease.expiresAt} <= now()
      returning run_id
    )
    insert into ${reconcileRuns} (id, trigger, outcome)
    select run_id, ${run.trigger}, 'running' from lease
    returning id`)
  return result.rows.length === 1
}

/** Records how the run ended and releases the lease, in one statement. */
export async function finishRun(
  db: Database,
  run: { id: string; outcome: 'ok' | 'failed'; error?: string; counts?: RunCounts },
): Promise<void> {
  const counts = run.counts ?? { backendsTotal: 0, backendsHealthy: 0, backendsFailed: 0, snapshotWritten: false }
  await db.execute(sql`with released as (
      update ${reconcileLease} set expires_at = now() where run_id = ${run.id}
    )
    update ${reconcileRuns} set finished_at = now(), outcome = ${run.outcome}, error = ${run.error ?? null},
      backends_total = ${counts.backendsTotal}, backends_healthy = ${counts.backendsHealthy},
      backends_failed = ${counts.backendsFailed}, snapshot_written = ${counts.snapshotWritten}
    where id = ${run.id}`)
}
