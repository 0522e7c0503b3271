import { storedCatalog } from '../catalog/refresh'
import { wantedCatalogProviders } from '../catalog/wanted'
import type { Database } from '../db/client'
import { loadDeclaredState } from '../db/declared'
import {
  claimPublish,
  fannedOutRun,
  finishRun,
  loadObservations,
  observedBackends,
  planRun,
  recordUsage,
  renewLease,
  saveObservations,
} from '../db/runs'
import { writeLastCycle } from '../kv/moving-view'
import { countedQueue } from '../platform/invocation-budget'
import { lastCycle } from '../views/metrics'
import {
  type CycleDeps,
  type RunSummary,
  applyPublished,
  beginRun,
  catalogStep,
  countsOf,
  finishSummary,
  invocationBudget,
  newRunSummary,
  saveUnrecorded,
} from './cycle'
import { errorText } from './cycle-errors'
import { declaredSets } from './declared-sets'
import { LeaseLostError } from './lease'
import { type Observation, revivedObservation, storedObservation } from './observation'
import { observeBackends } from './observe'
import { publishCycle } from './publish'
import { deliverWebhooks } from './webhook-step'

/** What travels on PROBE_QUEUE: a shard to probe, or a call to publish a run. */
export type ProbeMessage =
  { kind: 'shard'; runId: string; deadline: string; backendIds: string[] } | { kind: 'publish'; runId: string }

/** sendBatch takes at most 100 messages and 256 KB; the bytes are counted with room for metadata. */
const SEND_BATCH_MESSAGES = 100
const SEND_BATCH_BYTES = 200 * 1024

/**
 * The cron invocation of a fanned-out cycle: take the lease, load the declared state, and send its
 * backends in shards of SHARD_SIZE, each with the run's id and deadline, plus one publish message
 * delayed to the deadline (it publishes what came in, if the last shard did not already).
 */
export async function planFanOut(deps: CycleDeps & { queue: Queue<ProbeMessage> }): Promise<RunSummary> {
  const startedAt = deps.now()
  const summary = newRunSummary(deps.trigger, startedAt)
  const { budget, kv, fetch } = invocationBudget(deps)
  const queue = countedQueue(deps.queue, budget)
  const warnings: string[] = []
  const done = async (outcome: RunSummary['outcome'], error?: string) => {
    const finished = finishSummary(summary, {
      outcome,
      error,
      warnings,
      budget,
      now: deps.now(),
      msg: 'reconcile cycle planned',
    })
    // A planned cycle ends where it is published; only a plan that failed ends the cycle here.
    if (outcome === 'failed') await writeLastCycle(kv, lastCycle(finished))
    return finished
  }
  const begun = await beginRun({ ...deps, kv }, summary, budget, warnings)
  if ('outcome' in begun) return done(begun.outcome, begun.error)
  const { db } = begun
  try {
    const declared = await loadDeclaredState(db, { now: startedAt })
    const ids = declaredSets(declared, deps.settings.GROUPS).map((w) => w.backend.id)
    const deadline = new Date(startedAt.getTime() + deps.settings.CYCLE_BUDGET_MS)
    if (!(await planRun(db, { id: summary.runId, planned: ids.length, deadline }))) {
      return await done('failed', 'another cycle took the lease over while this one was planning')
    }
    const messages: MessageSendRequest<ProbeMessage>[] = []
    for (let i = 0; i < ids.length; i += deps.settings.SHARD_SIZE) {
      const backendIds = ids.slice(i, i + deps.settings.SHARD_SIZE)
      messages.push({ body: { kind: 'shard', runId: summary.runId, deadline: deadline.toISOString(), backendIds } })
    }
    messages.push({
      body: { kind: 'publish', runId: summary.runId },
      delaySeconds: Math.ceil(deps.settings.CYCLE_BUDGET_MS / 1000),
    })
    for (const batch of sendBatches(messages)) await queue.sendBatch(batch)
    summary.backends = ids.length
    // The shards are out: the refresh delays no probe, and the publish reads what it stored.
    const wanted = wantedCatalogProviders(declared.models)
    await catalogStep({ ...deps, kv, fetch, wanted, deadlineMs: deadline.getTime() }, summary, warnings)
    // Retries that came due since the last run go out now; new messages go out with the publish.
    summary.webhooks = await deliverWebhooks({ ...deps, db, fetch, budget, deadlineMs: deadline.getTime() }, warnings)
    await recordUsage(db, summary.runId, budget.usage(), summary.catalog)
    return await done('ok')
  } catch (error) {
    const message = `planning the fanned-out cycle: ${errorText(error)}`
    try {
      await finishRun(db, { id: summary.runId, outcome: 'failed', error: message, usage: budget.usage() })
    } catch (recordError) {
      await saveUnrecorded(
        { kv, now: deps.now },
        summary,
        `${message}; recording the run: ${errorText(recordError)}`,
        warnings,
      )
    }
    return done('failed', message)
  }
}

/** Messages in sendBatch calls of at most 100 messages and SEND_BATCH_BYTES of bodies each. */
export function sendBatches<T>(messages: MessageSendRequest<T>[]): MessageSendRequest<T>[][] {
  const batches: MessageSendRequest<T>[][] = []
  let batch: MessageSendRequest<T>[] = []
  let bytes = 0
  for (const message of messages) {
    const size = new TextEncoder().encode(JSON.stringify(message.body)).length
    if (batch.length === SEND_BATCH_MESSAGES || (batch.length > 0 && bytes + size > SEND_BATCH_BYTES)) {
      batches.push(batch)
      batch = []
      bytes = 0
    }
    batch.push(message)
    bytes += size
  }
  if (batch.length > 0) batches.push(batch)
  return batches
}

export interface ConsumerDeps extends Omit<CycleDeps, 'trigger'> {
  queue: Queue<ProbeMessage>
  /** True for messages from the dead-letter queue: shards that kept failing. */
  deadLettered: boolean
}

/**
 * One consumer invocation: each message is acknowledged once handled, and retried (up to the
 * consumer's max_retries, then the dead-letter queue) when it throws.
 */
export async function consumeProbeBatch(batch: MessageBatch<ProbeMessage>, deps: ConsumerDeps): Promise<void> {
  const { budget, kv, fetch } = invocationBudget(deps)
  const queue = countedQueue(deps.queue, budget)
  let db: Database | undefined
  const database = () => {
    if (!db) {
      budget.take('subrequests')
      db = deps.db()
    }
    return db
  }
  for (const message of batch.messages) {
    try {
      const body = message.body
      if (body.kind === 'publish') {
        const early = await publishFannedOut(body.runId, message.id, { ...deps, kv, fetch, budget, db: database })
        // A deadline call delivered before the deadline (clocks differ) comes back when it is due.
        if (early) {
          message.retry({ delaySeconds: early.waitSeconds })
          continue
        }
      } else if (deps.deadLettered) await recordDeadLetter(body, { db: database, queue })
      else await observeShard(body, { ...deps, kv, fetch, budget, queue, db: database })
      message.ack()
    } catch (error) {
      console.error(
        JSON.stringify({
          msg: 'probe queue message failed',
          kind: message.body.kind,
          runId: message.body.runId,
          attempts: message.attempts,
          error: errorText(error),
        }),
      )
      message.retry()
    }
  }
  if (db) {
    const usage = budget.usage()
    const runIds = new Set(batch.messages.map((m) => m.body.runId))
    for (const runId of runIds) {
      // The figures are for operators; a database that fails here failed the messages above too.
      await recordUsage(db, runId, usage).catch((error: unknown) =>
        console.warn(JSON.stringify({ msg: 'invocation usage not recorded', runId, error: errorText(error) })),
      )
    }
  }
}

type ShardDeps = Omit<ConsumerDeps, 'db' | 'deadLettered'> & {
  budget: ReturnType<typeof invocationBudget>['budget']
  db: () => Database
}

/** Probes one shard and stores what it found, once per (run, backend); the last shard calls the publish. */
async function observeShard(shard: Extract<ProbeMessage, { kind: 'shard' }>, deps: ShardDeps): Promise<void> {
  const db = deps.db()
  const run = await fannedOutRun(db, shard.runId)
  // Published, ended, or past its deadline: what this shard would add can no longer be used.
  if (!run || run.publishedBy || run.outcome !== 'running' || deps.now() >= new Date(run.deadline)) return
  const done = await observedBackends(db, shard.runId, shard.backendIds)
  const todo = shard.backendIds.filter((id) => !done.has(id))
  if (todo.length > 0) {
    const declared = await loadDeclaredState(db, { now: deps.now(), only: todo })
    const work = declaredSets(declared, deps.settings.GROUPS)
    // The publish call this shard may have to send is held back from its probes.
    deps.budget.hold('subrequests', 1)
    const observed = await observeBackends(declared, work, { ...deps, deadlineMs: Date.parse(run.deadline) })
    deps.budget.release('subrequests')
    await saveObservations(
      db,
      shard.runId,
      observed.observations.map((o) => ({ backendId: o.backendId, observation: storedObservation(o) })),
    )
  }
  await callPublishWhenComplete(shard.runId, { db, queue: deps.queue })
}

/** A shard that kept failing: its backends are deferred, with a warning that says so. */
async function recordDeadLetter(
  shard: Extract<ProbeMessage, { kind: 'shard' }>,
  deps: { db: () => Database; queue: Queue<ProbeMessage> },
): Promise<void> {
  const db = deps.db()
  const observations: Observation[] = shard.backendIds.map((backendId) => ({
    backendId,
    kind: 'deferred',
    reason: 'dead-letter',
  }))
  await saveObservations(
    db,
    shard.runId,
    observations.map((o) => ({ backendId: o.backendId, observation: o })),
  )
  await callPublishWhenComplete(shard.runId, { db, queue: deps.queue })
}

async function callPublishWhenComplete(runId: string, deps: { db: Database; queue: Queue<ProbeMessage> }) {
  const run = await fannedOutRun(deps.db, runId)
  if (run && !run.publishedBy && run.observed >= run.planned) await deps.queue.send({ kind: 'publish', runId })
}

/**
 * Publishes a fanned-out run, from exactly one message: the one that claims it when every shard is
 * in or the deadline has passed. Backends without an observation are deferred.
 */
async function publishFannedOut(
  runId: string,
  messageId: string,
  deps: ShardDeps,
): Promise<{ waitSeconds: number } | undefined> {
  const db = deps.db()
  // Claimed by the message, not the invocation: a retry of the same message may finish what it began.
  if (!(await claimPublish(db, { id: runId, by: messageId }))) {
    const run = await fannedOutRun(db, runId)
    const waitMs = run ? Date.parse(run.deadline) - deps.now().getTime() : 0
    const waiting = run && !run.publishedBy && run.outcome === 'running' && run.observed < run.planned
    return waiting && waitMs > 0 ? { waitSeconds: Math.ceil(waitMs / 1000) } : undefined
  }
  const run = (await fannedOutRun(db, runId))!
  const startedAt = new Date(run.startedAt)
  const summary = newRunSummary(run.trigger, startedAt)
  summary.runId = runId
  const warnings: string[] = []
  const declared = await loadDeclaredState(db, { now: deps.now() })
  const work = declaredSets(declared, deps.settings.GROUPS)
  const stored = await loadObservations(db, runId)
  const observations = new Map([...stored].map(([id, o]) => [id, revivedObservation(o)]))
  for (const o of observations.values()) if (o.kind === 'probed' && o.cacheHit) summary.cacheHits++
  const published = await publishCycle({
    runId,
    startedAt,
    declared,
    work,
    observations,
    missing: 'deadline',
    db,
    kv: deps.kv,
    settings: deps.settings,
    now: deps.now,
    confirmLease: async () => {
      if (!(await renewLease(db, { id: runId, leaseTtlS: deps.settings.LEASE_TTL_S }))) throw new LeaseLostError()
    },
    catalog: await storedCatalog(deps.kv, deps.settings.CATALOG_URL),
  })
  applyPublished(summary, published, warnings)
  summary.webhooks = await deliverWebhooks(
    { ...deps, db, deadlineMs: deps.now().getTime() + deps.settings.CYCLE_BUDGET_MS },
    warnings,
  )
  const outcome = published.leaseLost ? 'abandoned' : published.errors.length > 0 ? 'failed' : 'ok'
  const error = published.leaseLost ?? (published.errors.join('; ') || undefined)
  const recorded = await finishRun(db, {
    id: runId,
    outcome,
    error,
    counts: countsOf(summary),
    usage: deps.budget.usage(),
  })
  finishSummary(summary, {
    outcome: outcome === 'ok' ? 'ok' : 'failed',
    error,
    warnings,
    budget: deps.budget,
    now: deps.now(),
    databaseMs: recorded.durationMs,
  })
  await writeLastCycle(deps.kv, lastCycle(summary, published.lastSuccessAt))
}
