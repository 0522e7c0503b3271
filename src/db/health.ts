import { sql } from 'drizzle-orm'
import type { Database } from './client'
import type { ModelFactsMap } from './declared'
import { holdsLease } from './runs'
import { MODELS_CHANGED } from '../published/events'
import {
  backendHealth,
  backendRollups,
  backends,
  cycleObservations,
  fleetEvents,
  fleetEventsPruned,
  webhookDeliveries,
  webhookSubscriptions,
} from './schema'

/** One backend's record for the next cycle, and what this cycle adds to its rollup. */
export interface HealthSave {
  backendId: string
  name: string
  status: string
  consecutiveFailures: number
  consecutiveSuccesses: number
  lastSuccessAt: string | null
  checkedAt: string
  retryAfterUntil: string | null
  /** The facts of its models, when they changed (null: keep the stored ones). */
  modelFacts: ModelFactsMap | null
  /** Set when the backend was asked this cycle: whether it ended healthy or degraded, and the latency bucket of a listing that asked it. */
  rollup?: { good: boolean; latencyBucket: number | null }
}

export interface EventSave {
  backendId: string
  backendName: string
  kind: string
  data: Record<string, unknown>
}

export interface CycleSave {
  /** The run saving it: nothing is written once another run holds the lease. */
  runId: string
  at: string
  /** The clock hour this cycle's probes count in. */
  hour: string
  buckets: number
  health: HealthSave[]
  events: EventSave[]
  /**
   * Backends whose removal this cycle recorded (deleted, or no longer probed: out of every group
   * with GROUPS=true): their health rows go, so that the next cycle no longer knows them and records
   * the removal once. One probed again later has no row, and is recorded as added.
   */
  removed: string[]
  eventRetentionDays: number
}

/**
 * Everything a cycle records, in one statement (one round trip, one transaction): each backend's
 * health (its model facts only when they changed), its hourly rollup, the events, the removal of
 * the records of backends that left the probed set, and the pruning of rollups older than 8 days,
 * events past retention and a fanned-out run's observations. The statement's parts see the same
 * snapshot of the database, and write nothing unless the run still holds the lease. Returns
 * whether it was written.
 */
export async function saveCycle(db: Database, save: CycleSave): Promise<boolean> {
  const health = JSON.stringify(
    save.health.map((h) => ({
      backend_id: h.backendId,
      name: h.name,
      status: h.status,
      failures: h.consecutiveFailures,
      successes: h.consecutiveSuccesses,
      last_success: h.lastSuccessAt,
      checked: h.checkedAt,
      retry_after: h.retryAfterUntil,
      facts: h.modelFacts,
      probed: h.rollup !== undefined,
      good: h.rollup?.good ?? false,
      bucket: h.rollup?.latencyBucket ?? null,
    })),
  )
  const events = JSON.stringify(
    save.events.map((e, ord) => ({
      backend_id: e.backendId,
      backend_name: e.backendName,
      kind: e.kind,
      data: e.data,
      ord,
    })),
  )
  const result = await db.execute(sql`with
    fence as (select 1 where ${holdsLease(save.runId)}),
    input as (
      select x.* from jsonb_to_recordset(${health}::jsonb) as x(
        backend_id text, name text, status text, failures integer, successes integer,
        last_success timestamptz, checked timestamptz, retry_after timestamptz, facts jsonb,
        probed boolean, good boolean, bucket integer)
      -- A backend deleted while the cycle ran is recorded by the next cycle as removed.
      where exists (select 1 from ${backends} b where b.id = x.backend_id) and exists (select 1 from fence)
    ),
    saved_health as (
      insert into ${backendHealth} (backend_id, name, status, consecutive_failures, consecutive_successes,
        last_success_at, checked_at, retry_after_until, model_facts)
      -- Facts are sent only when they changed; otherwise the stored ones stay.
      select x.backend_id, x.name, x.status, x.failures, x.successes, x.last_success, x.checked, x.retry_after,
        coalesce(x.facts, (select h.model_facts from ${backendHealth} h where h.backend_id = x.backend_id), '{}')
      from input x
      on conflict (backend_id) do update set name = excluded.name, status = excluded.status,
        consecutive_failures = excluded.consecutive_failures, consecutive_successes = excluded.consecutive_successes,
        last_success_at = excluded.last_success_at, checked_at = excluded.checked_at,
        retry_after_until = excluded.retry_after_until, model_facts = excluded.model_facts
    ),
    saved_rollups as (
      insert into ${backendRollups} (backend_id, hour, probes, good, latency)
      select backend_id, ${save.hour}::timestamptz, 1, good::int,
        array(select case when i - 1 = bucket then 1 else 0 end from generate_series(1, ${save.buckets}) as i)
      from input where probed
      on conflict (backend_id, hour) do update set probes = ${backendRollups}.probes + 1,
        good = ${backendRollups}.good + excluded.good,
        latency = array(select a + b from unnest(${backendRollups}.latency, excluded.latency) as t(a, b))
    ),
    saved_events as (
      insert into ${fleetEvents} (at, backend_id, backend_name, kind, data)
      select ${save.at}::timestamptz, e.backend_id, e.backend_name, e.kind, e.data
      from jsonb_to_recordset(${events}::jsonb) as e(backend_id text, backend_name text, kind text, data jsonb, ord integer)
      where exists (select 1 from fence)
      order by e.ord
      returning seq, backend_id, backend_name, kind, data
    ),
    -- Each event as GET /events serves it, for the webhook messages that carry it.
    event_bodies as (
      select seq, backend_id, backend_name, kind, jsonb_build_object('seq', seq, 'at', ${save.at}::text,
        'backendId', backend_id, 'backendName', backend_name, 'kind', kind) || data as body
      from saved_events
    ),
    -- A delivery per (subscription, message), committed with the events it carries: nothing
    -- committed goes unsent, and nothing uncommitted is sent. A backend's model events in one
    -- cycle are one backend.models_changed message.
    subscribed as (
      select s.id as subscription_id, e.* from ${webhookSubscriptions} s join event_bodies e
        on (s.events ? '*' or s.events ? e.kind or (e.kind like 'model.%' and s.events ? ${MODELS_CHANGED}))
        and (s.backend_ids is null or s.backend_ids ? e.backend_id)
      where s.enabled
    ),
    messages as (
      select subscription_id, 'msg_' || seq as message_id, kind as type, seq,
        jsonb_build_object('type', kind, 'timestamp', ${save.at}::text, 'data', body) as payload
      from subscribed where kind not like 'model.%'
      union all
      select subscription_id, 'msg_' || min(seq) || '_' || max(seq), ${MODELS_CHANGED}, max(seq),
        jsonb_build_object('type', ${MODELS_CHANGED}::text, 'timestamp', ${save.at}::text, 'data', jsonb_build_object(
          'backendId', backend_id, 'backendName', backend_name, 'firstSeq', min(seq), 'seq', max(seq),
          'added', coalesce(jsonb_agg(body order by seq) filter (where kind = 'model.added'), '[]'::jsonb),
          'removed', coalesce(jsonb_agg(body order by seq) filter (where kind = 'model.removed'), '[]'::jsonb),
          'changed', coalesce(jsonb_agg(body order by seq) filter (where kind = 'model.changed'), '[]'::jsonb)))
      from subscribed where kind like 'model.%'
      group by subscription_id, backend_id, backend_name
    ),
    saved_deliveries as (
      insert into ${webhookDeliveries} (subscription_id, message_id, type, seq, payload, next_attempt_at, created_at)
      select subscription_id, message_id, type, seq, payload, ${save.at}::timestamptz, ${save.at}::timestamptz
      from messages order by seq, subscription_id
      returning id
    ),
    -- Deliveries are kept as long as the events they carry.
    pruned_deliveries as (
      delete from ${webhookDeliveries}
      where created_at < ${save.at}::timestamptz - make_interval(days => ${save.eventRetentionDays})
        and exists (select 1 from fence)
    ),
    removed as (
      -- Whether or not the backend still exists: a kept row would make every later cycle record it again.
      delete from ${backendHealth} h
      where h.backend_id in (select jsonb_array_elements_text(${JSON.stringify(save.removed)}::jsonb))
        and exists (select 1 from fence)
    ),
    pruned_rollups as (
      delete from ${backendRollups} where hour < ${save.hour}::timestamptz - '8 days'::interval
        and exists (select 1 from fence)
    ),
    pruned_observations as (
      delete from ${cycleObservations}
      where (run_id = ${save.runId} or at < ${save.at}::timestamptz - '1 day'::interval) and exists (select 1 from fence)
    ),
    pruned_events as (
      delete from ${fleetEvents} where at < ${save.at}::timestamptz - make_interval(days => ${save.eventRetentionDays})
        and exists (select 1 from fence)
      returning seq
    ),
    pruned_through as (
      update ${fleetEventsPruned} set through = greatest(through, (select max(seq) from pruned_events))
      where id = 1 and exists (select 1 from pruned_events)
    )
    select (select count(*)::int from saved_deliveries) as deliveries from fence`)
  return result.rows.length === 1
}
