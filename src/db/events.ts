import { sql } from 'drizzle-orm'
import type { Database } from './client'
import { backendRollups, fleetEvents, fleetEventsPruned } from './schema'

export interface StoredEvent {
  seq: number
  at: string
  backendId: string
  backendName: string
  kind: string
  data: Record<string, unknown>
}

/**
 * Events after `after` in `seq` order, and up to which `seq` events were pruned, read in one
 * statement so the two agree. Only one cycle writes events at a time (the lease), so a `seq` is
 * never committed after a larger one: a reader that follows `next` misses none.
 */
export async function eventsAfter(
  db: Database,
  options: { after: number; limit: number },
): Promise<{ events: StoredEvent[]; prunedThrough: number }> {
  const result = await db.execute<{ pruned: string | number; events: Record<string, unknown>[] | null }>(sql`select
    (select through from ${fleetEventsPruned} where id = 1) as pruned,
    (select json_agg(e order by e.seq) from (
      select seq, at, backend_id, backend_name, kind, data from ${fleetEvents}
      where seq > ${options.after} order by seq limit ${options.limit}) e) as events`)
  const row = result.rows[0]
  return { prunedThrough: Number(row?.pruned ?? 0), events: (row?.events ?? []).map(storedEvent) }
}

/**
 * The newest events before `before` (all when absent), newest first, of one backend when
 * `backendId` is given: what the status pages list, a page at a time.
 */
export async function eventsBefore(
  db: Database,
  options: { before?: number; limit: number; backendId?: string },
): Promise<StoredEvent[]> {
  const result = await db.execute(sql`
    select seq, at, backend_id, backend_name, kind, data from ${fleetEvents}
    where true
      ${options.before === undefined ? sql`` : sql`and seq < ${options.before}`}
      ${options.backendId === undefined ? sql`` : sql`and backend_id = ${options.backendId}`}
    order by seq desc limit ${options.limit}`)
  return result.rows.map(storedEvent)
}

function storedEvent(e: Record<string, unknown>): StoredEvent {
  return {
    seq: Number(e.seq),
    at: new Date(String(e.at)).toISOString(),
    backendId: String(e.backend_id),
    backendName: String(e.backend_name),
    kind: String(e.kind),
    data: (e.data as Record<string, unknown> | null) ?? {},
  }
}

export interface HourlyRollup {
  hour: string
  probes: number
  good: number
  latency: number[]
}

/** A backend's hourly rollups for the 24 hours up to its latest one, oldest first. */
export async function lastDayOfRollups(db: Database, backendId: string): Promise<HourlyRollup[]> {
  // As the driver gives them: a timestamp may be a Date, a count a string, an array null.
  const result = await db.execute<{ hour: unknown; probes: unknown; good: unknown; latency: unknown[] | null }>(sql`
    select hour, probes, good, latency from ${backendRollups}
    where backend_id = ${backendId}
      and hour > (select max(hour) from ${backendRollups} where backend_id = ${backendId}) - '24 hours'::interval
    order by hour`)
  return result.rows.map((r) => ({
    hour: new Date(String(r.hour)).toISOString(),
    probes: Number(r.probes),
    good: Number(r.good),
    latency: (r.latency ?? []).map(Number),
  }))
}
