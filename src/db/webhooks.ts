import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm'
import type { Database } from './client'
import { webhookCounters, webhookDeliveries, webhookSubscriptions } from './schema'

export type SubscriptionRow = typeof webhookSubscriptions.$inferSelect
export type DeliveryRow = typeof webhookDeliveries.$inferSelect

/** One attempt to send a delivery, as it is kept and listed. */
export interface DeliveryAttempt {
  at: string
  /** `success` (2xx), `retry` (failed, tried again later), `failed` (failed, no more tries), `gone` (410: the subscription is disabled). */
  result: AttemptResult
  httpStatus: number | null
  durationMs: number
  /** The response's first 1 KiB. */
  response: string | null
  error: string | null
}

export const ATTEMPT_RESULTS = ['success', 'retry', 'failed', 'gone'] as const
export type AttemptResult = (typeof ATTEMPT_RESULTS)[number]

/** How long a claimed attempt keeps others off it: the send's timeout (at most 60 s) and then some. */
const CLAIM_MS = 90_000

/** The most subscriptions one service keeps: each is sent every matching event. */
export const MAX_SUBSCRIPTIONS = 64

export async function countSubscriptions(db: Database): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(webhookSubscriptions)
  return row?.n ?? 0
}

/**
 * Inserts a subscription unless MAX_SUBSCRIPTIONS are already kept, in one statement so two
 * concurrent creations cannot both pass the count. Answers the row, or undefined when full.
 */
export async function insertSubscription(
  db: Database,
  row: typeof webhookSubscriptions.$inferInsert,
): Promise<SubscriptionRow | undefined> {
  const result = await db.execute<{ id: string }>(sql`
    insert into ${webhookSubscriptions} (id, url, format, events, backend_ids, description, secret_ciphertext, page_origin)
    select ${row.id}, ${row.url}, ${row.format}, ${JSON.stringify(row.events)}::jsonb,
      ${row.backendIds ? JSON.stringify(row.backendIds) : null}::jsonb, ${row.description ?? null},
      ${row.secretCiphertext ?? null}, ${row.pageOrigin}
    where (select count(*) from ${webhookSubscriptions}) < ${MAX_SUBSCRIPTIONS}
    returning id`)
  if (result.rows.length === 0) return undefined
  return getSubscription(db, row.id)
}

export async function listSubscriptions(db: Database): Promise<SubscriptionRow[]> {
  return db
    .select()
    .from(webhookSubscriptions)
    .orderBy(desc(webhookSubscriptions.createdAt), asc(webhookSubscriptions.id))
}

export async function getSubscription(db: Database, id: string): Promise<SubscriptionRow | undefined> {
  const [row] = await db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id))
  return row
}

export async function updateSubscription(
  db: Database,
  id: string,
  set: Partial<typeof webhookSubscriptions.$inferInsert>,
): Promise<SubscriptionRow | undefined> {
  const [row] = await db
    .update(webhookSubscriptions)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(webhookSubscriptions.id, id))
    .returning()
  return row
}

export async function deleteSubscription(db: Database, id: string): Promise<boolean> {
  const rows = await db
    .delete(webhookSubscriptions)
    .where(eq(webhookSubscriptions.id, id))
    .returning({ id: webhookSubscriptions.id })
  return rows.length > 0
}

/** A subscription's deliveries, newest first, those before `before` (a delivery id) when given. */
export async function listDeliveries(
  db: Database,
  subscriptionId: string,
  page: { limit: number; before?: number },
): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.subscriptionId, subscriptionId),
        page.before === undefined ? undefined : lt(webhookDeliveries.id, page.before),
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(page.limit)
}

export async function getDelivery(db: Database, subscriptionId: string, id: number): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.subscriptionId, subscriptionId), eq(webhookDeliveries.id, id)))
  return row
}

/** A message made outside a cycle (a test): pending, claimed by its request, outside the order of events. */
export async function insertDelivery(
  db: Database,
  row: { subscriptionId: string; messageId: string; type: string; payload: unknown; at: Date },
): Promise<DeliveryRow> {
  const [inserted] = await db
    .insert(webhookDeliveries)
    .values({
      subscriptionId: row.subscriptionId,
      messageId: row.messageId,
      type: row.type,
      seq: null,
      payload: row.payload,
      nextAttemptAt: row.at,
      createdAt: row.at,
      // Sent at once by the request that made it.
      claimedUntil: new Date(row.at.getTime() + CLAIM_MS),
    })
    .returning()
  return inserted!
}

/** Enabled subscriptions with a delivery due by `now`. */
export async function subscriptionsWithDueDeliveries(db: Database, now: Date): Promise<SubscriptionRow[]> {
  return db
    .select()
    .from(webhookSubscriptions)
    .where(
      and(
        eq(webhookSubscriptions.enabled, true),
        sql`exists (select 1 from ${webhookDeliveries} d where d.subscription_id = ${webhookSubscriptions.id}
          and d.status = 'pending' and d.next_attempt_at <= ${now.toISOString()}::timestamptz)`,
      ),
    )
    .orderBy(asc(webhookSubscriptions.id))
}

/**
 * Takes the subscription's next delivery to send, when one is due and no other invocation holds
 * it: the oldest pending message of the change feed (a later one waits behind it, so a receiver
 * gets events in `seq` order), or else a due test message (which keeps no order).
 */
export async function claimNextDelivery(
  db: Database,
  subscriptionId: string,
  now: Date,
): Promise<DeliveryRow | undefined> {
  const at = now.toISOString()
  const [row] = await db
    .update(webhookDeliveries)
    .set({ claimedUntil: new Date(now.getTime() + CLAIM_MS) })
    .where(
      sql`${webhookDeliveries.id} = (
        select x.id from (
          (select id from ${webhookDeliveries}
            where subscription_id = ${subscriptionId} and status = 'pending' and seq is not null
            order by id limit 1)
          union all
          (select id from ${webhookDeliveries}
            where subscription_id = ${subscriptionId} and status = 'pending' and seq is null
              and next_attempt_at <= ${at}::timestamptz
            order by id limit 1)
        ) head join ${webhookDeliveries} x on x.id = head.id
        where x.next_attempt_at <= ${at}::timestamptz
          and (x.claimed_until is null or x.claimed_until < ${at}::timestamptz)
        order by x.seq is null, x.id limit 1)`,
    )
    .returning()
  return row
}

/**
 * Records an attempt in one statement: the delivery's attempts, status and next try; the
 * subscription's failing time (and its disabling after a 410 or DISABLE_AFTER of failures); the
 * counter of attempts by result.
 */
export async function recordAttempt(
  db: Database,
  attempt: {
    deliveryId: number
    subscriptionId: string
    record: DeliveryAttempt
    status: 'pending' | 'delivered' | 'failed'
    nextAttemptAt: Date | null
    /** Why the subscription is disabled now, if this attempt disables it. */
    disable: string | null
    /** Disable when the subscription has been failing since before this time. */
    disableIfFailingSince: Date
  },
): Promise<{ disabledReason: string | null }> {
  const at = attempt.record.at
  const success = attempt.record.result === 'success'
  const cutoff = attempt.disableIfFailingSince.toISOString()
  const result = await db.execute<{ reason: string }>(sql`
    with delivery as (
      update ${webhookDeliveries} set attempts = attempts || ${JSON.stringify([attempt.record])}::jsonb,
        status = ${attempt.status}, next_attempt_at = ${attempt.nextAttemptAt?.toISOString() ?? null}::timestamptz,
        claimed_until = null
      where id = ${attempt.deliveryId}
    ),
    counted as (
      insert into ${webhookCounters} (result, total) values (${attempt.record.result}, 1)
      on conflict (result) do update set total = ${webhookCounters}.total + 1
    ),
    decision as (
      select id, case
        when not enabled then null
        when ${attempt.disable}::text is not null then ${attempt.disable}::text
        when not ${success} and failing_since <= ${cutoff}::timestamptz
          then 'every delivery failed for 5 days, since '
            || to_char(failing_since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ': ' || ${attempt.record.error ?? ''}::text
        end as reason
      from ${webhookSubscriptions} where id = ${attempt.subscriptionId}
    ),
    subscription as (
      update ${webhookSubscriptions} s set
        failing_since = case when ${success} then null else coalesce(s.failing_since, ${at}::timestamptz) end,
        enabled = s.enabled and d.reason is null,
        disabled_reason = coalesce(d.reason, s.disabled_reason),
        disabled_at = case when d.reason is null then s.disabled_at else ${at}::timestamptz end
      from decision d where s.id = d.id
      returning d.reason
    )
    select reason from subscription where reason is not null`)
  return { disabledReason: result.rows[0]?.reason ?? null }
}

/** What /metrics says of webhooks: attempts by result, and how long the oldest pending delivery has waited. */
export async function webhookMetrics(
  db: Database,
  now: Date,
): Promise<{ totals: Record<string, number>; oldestPendingS: number }> {
  const result = await db.execute<{
    totals: Record<string, string | number> | null
    oldest: string | Date | null
  }>(sql`select
    (select json_object_agg(result, total) from ${webhookCounters}) as totals,
    (select min(d.created_at) from ${webhookDeliveries} d join ${webhookSubscriptions} s on s.id = d.subscription_id
      where d.status = 'pending' and s.enabled) as oldest`)
  const row = result.rows[0]
  const totals = Object.fromEntries(Object.entries(row?.totals ?? {}).map(([k, v]) => [k, Number(v)]))
  const oldest = row?.oldest ? new Date(row.oldest).getTime() : now.getTime()
  return { totals, oldestPendingS: Math.max(0, (now.getTime() - oldest) / 1000) }
}

/** Each subscription's last delivery and how many of its deliveries failed or wait: what the status page shows. */
export async function deliverySummaries(db: Database): Promise<Map<string, DeliverySummary>> {
  const result = await db.execute<{
    subscription_id: string
    last_id: string | null
    failed: number
    pending: number
  }>(sql`
    select subscription_id, max(id) as last_id,
      count(*) filter (where status = 'failed')::int as failed,
      count(*) filter (where status = 'pending')::int as pending
    from ${webhookDeliveries} group by subscription_id`)
  const lastIds = result.rows.flatMap((row) => (row.last_id === null ? [] : [Number(row.last_id)]))
  const lasts =
    lastIds.length === 0 ? [] : await db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.id, lastIds))
  const byId = new Map(lasts.map((row) => [row.id, row]))
  return new Map(
    result.rows.map((row) => [
      row.subscription_id,
      { last: byId.get(Number(row.last_id)) ?? null, failed: row.failed, pending: row.pending },
    ]),
  )
}

export interface DeliverySummary {
  last: DeliveryRow | null
  failed: number
  pending: number
}

/** Gives a claimed delivery back untried (the invocation ran out of subrequests before sending it). */
export async function releaseClaim(db: Database, id: number): Promise<void> {
  await db.update(webhookDeliveries).set({ claimedUntil: null }).where(eq(webhookDeliveries.id, id))
}

/**
 * Takes one delivery to send by hand, unless an attempt holds it now. Answers it, or undefined
 * when it is in flight elsewhere.
 */
export async function claimDelivery(db: Database, id: number, now: Date): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .update(webhookDeliveries)
    .set({ claimedUntil: new Date(now.getTime() + CLAIM_MS) })
    .where(
      and(
        eq(webhookDeliveries.id, id),
        sql`(${webhookDeliveries.claimedUntil} is null or ${webhookDeliveries.claimedUntil} < ${now.toISOString()}::timestamptz)`,
      ),
    )
    .returning()
  return row
}
