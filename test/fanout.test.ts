import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq, isNotNull, sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { backendRollups, fleetEvents, reconcileRuns } from '../src/db/schema'
import type { Env } from '../src/env'
import type { ProbeMessage } from '../src/reconcile/fanout'
import type { BackendRuntimeState } from '../src/published/types'
import worker from '../src/index'
import {
  SINGLE_INVOCATION_ENV,
  adminJson,
  createBackend,
  fake,
  fakeCalls,
  readState,
  resetAll,
  until,
  withDb,
} from './helpers'

beforeEach(resetAll)

/** The Worker's bindings with its probe queue: cycles fan out. */
const FANOUT_ENV = { ...env, SHARD_SIZE: '3' } as Env

async function scheduled(overrides: Partial<Env>): Promise<void> {
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), { ...FANOUT_ENV, ...overrides }, ctx)
}

/** A cycle planned onto the parked queue (no consumer): its shards wait for the test to deliver them. */
async function planParked(overrides: Partial<Env> = {}): Promise<string> {
  await scheduled({ PROBE_QUEUE: env.PARKED_QUEUE, ...overrides })
  const [run] = await withDb((db) => db.select().from(reconcileRuns).where(isNotNull(reconcileRuns.planned)))
  if (!run) throw new Error('no planned run')
  return run.id
}

/** Delivers messages to the consumer as the queue would, and says which it acked and retried. */
async function deliver(
  messages: ProbeMessage[],
  options: { queue?: string; env?: Partial<Env>; attempts?: number } = {},
) {
  const batch = createMessageBatch<ProbeMessage>(
    options.queue ?? 'runtimestate-probes',
    messages.map((body, i) => ({
      id: `m${i}-${crypto.randomUUID()}`,
      timestamp: new Date(),
      attempts: options.attempts ?? 1,
      body,
    })),
  )
  const ctx = createExecutionContext()
  await worker.queue(batch, { ...FANOUT_ENV, ...options.env }, ctx)
  return getQueueResult(batch, ctx)
}

const runOf = async (id: string) =>
  (await withDb((db) => db.select().from(reconcileRuns).where(eq(reconcileRuns.id, id))))[0]!

async function finished(id: string) {
  await until(async () => (await runOf(id)).outcome !== 'running', `run ${id} to finish`, 15_000)
  return runOf(id)
}

/** Backend ids by name, in the order the planner shards them. */
async function createFleet(count: number, behaviour = 'ok'): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i++) ids.push(await createBackend(`b${i}`, 'vllm', fake('vllm', behaviour, `f${i}`)))
  return ids
}

const byName = async () => new Map((await readState<BackendRuntimeState[]>()).map((s) => [s.name, s]))

describe('a cycle fanned out on Queues', () => {
  it('plans shards, probes them in consumers, and publishes once every shard is in', async () => {
    await createFleet(7)
    await scheduled({})
    const [run] = await withDb((db) => db.select().from(reconcileRuns))
    expect(run).toMatchObject({ planned: 7, outcome: 'running' })
    const done = await finished(run!.id)
    expect(done).toMatchObject({
      outcome: 'ok',
      backendsTotal: 7,
      backendsHealthy: 7,
      deferred: 0,
      snapshotWritten: true,
    })
    expect(done.maxSubrequests).toBeGreaterThan(0)
    expect(done.maxKvOps).toBeGreaterThan(0)
    const states = await byName()
    expect([...states.values()].map((s) => s.status)).toEqual(Array(7).fill('healthy'))
    // One backend.added per backend, one rollup probe each: the run counted each once.
    const events = await withDb((db) => db.select().from(fleetEvents))
    expect(events.map((e) => e.kind)).toEqual(Array(7).fill('backend.added'))
    const rollups = await withDb((db) => db.select().from(backendRollups))
    expect(rollups.map((r) => r.probes)).toEqual(Array(7).fill(1))
    // Nothing is left of the run's observations once it published.
    const left = await withDb((db) => db.execute(sql`select count(*)::int as n from cycle_observations`))
    expect(left.rows[0]).toEqual({ n: 0 })
  })

  it("sends the cycle's webhooks from the publishing consumer", async () => {
    const subscribed = await adminJson('POST', '/webhooks', { url: `${fake('receiver', 'ok', 'fanout')}/hook` })
    expect(subscribed.status).toBe(201)
    await createFleet(4)
    await scheduled({})
    const [run] = await withDb((db) => db.select().from(reconcileRuns))
    expect(await finished(run!.id)).toMatchObject({ outcome: 'ok', backendsTotal: 4 })
    const received = await (
      await fetch(`${fake('receiver', 'ok', 'fanout')}/__received`)
    ).json<
      {
        body: string
      }[]
    >()
    const payloads = received.map((m) => JSON.parse(m.body) as { type: string; data: { backendName: string } })
    expect(payloads.map((p) => p.type)).toEqual(Array(4).fill('backend.added'))
    expect(payloads.map((p) => p.data.backendName).sort()).toEqual(['b0', 'b1', 'b2', 'b3'])
  })

  it('changes nothing a second time when a shard is delivered twice', async () => {
    const ids = await createFleet(3)
    const runId = await planParked()
    const deadline = (await runOf(runId)).deadline!.toISOString()
    const shard: ProbeMessage = { kind: 'shard', runId, deadline, backendIds: ids }
    expect((await deliver([shard])).explicitAcks).toHaveLength(1)
    // The first delivery called the publish; a redelivery arrives while or after it runs.
    expect((await deliver([shard], { attempts: 2 })).explicitAcks).toHaveLength(1)
    const done = await finished(runId)
    expect(done).toMatchObject({ outcome: 'ok', backendsTotal: 3, deferred: 0 })
    const rollups = await withDb((db) => db.select().from(backendRollups))
    expect(rollups.map((r) => r.probes)).toEqual([1, 1, 1])
    const events = await withDb((db) => db.select().from(fleetEvents))
    expect(events).toHaveLength(3)
    expect(await listingCalls()).toBe(3)
  })

  it('retries a message whose consumer throws, and takes it when it succeeds', async () => {
    const ids = await createFleet(2)
    const runId = await planParked()
    const deadline = (await runOf(runId)).deadline!.toISOString()
    const shard: ProbeMessage = { kind: 'shard', runId, deadline, backendIds: ids }
    const failed = await deliver([shard], { env: { NEON_WS_PROXY: '127.0.0.1:1' } })
    expect(failed.explicitAcks).toEqual([])
    expect(failed.retryMessages).toHaveLength(1)
    const retried = await deliver([shard], { attempts: 2 })
    expect(retried.explicitAcks).toHaveLength(1)
    expect(await finished(runId)).toMatchObject({ outcome: 'ok', backendsTotal: 2, backendsHealthy: 2 })
  })

  it('publishes what came in by the deadline; the backends of a shard that never arrived keep their state, stale', async () => {
    const ids = await createFleet(4)
    // A first cycle in one invocation publishes all four.
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), SINGLE_INVOCATION_ENV, ctx)
    const runId = await planParked({ CYCLE_BUDGET_MS: '1000' })
    const run = await runOf(runId)
    const arrived: ProbeMessage = {
      kind: 'shard',
      runId,
      deadline: run.deadline!.toISOString(),
      backendIds: ids.slice(0, 2),
    }
    await deliver([arrived])
    // The deadline's publish call, delivered early, comes back when it is due.
    const early = await deliver([{ kind: 'publish', runId }])
    expect(early.explicitAcks).toEqual([])
    expect(early.retryMessages).toHaveLength(1)
    await until(async () => Date.now() > run.deadline!.getTime(), 'the deadline')
    expect((await deliver([{ kind: 'publish', runId }])).explicitAcks).toHaveLength(1)
    expect(await runOf(runId)).toMatchObject({ outcome: 'ok', backendsTotal: 4, deferred: 2 })
    const states = await byName()
    for (const name of ['b0', 'b1']) expect(states.get(name)).toMatchObject({ status: 'healthy' })
    for (const name of ['b2', 'b3']) {
      const state = states.get(name)!
      expect(state.status).toBe('healthy')
      expect(state.pulledModels.length).toBeGreaterThan(0)
      expect(state.pulledModels.every((m) => m.stale)).toBe(true)
      expect(state.warnings).toEqual(["not checked this cycle: its shard did not come in before the cycle's deadline"])
    }
    // A shard arriving after its run published adds nothing.
    const late: ProbeMessage = { kind: 'shard', runId, deadline: run.deadline!.toISOString(), backendIds: ids.slice(2) }
    expect((await deliver([late])).explicitAcks).toHaveLength(1)
    const left = await withDb((db) => db.execute(sql`select count(*)::int as n from cycle_observations`))
    expect(left.rows[0]).toEqual({ n: 0 })
  })

  it('defers the backends of a dead-lettered shard with a warning, and loses no declared state or history', async () => {
    const ids = await createFleet(2)
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), SINGLE_INVOCATION_ENV, ctx)
    const before = await withDb((db) => db.select().from(backendRollups))
    const runId = await planParked()
    const deadline = (await runOf(runId)).deadline!.toISOString()
    const shard: ProbeMessage = { kind: 'shard', runId, deadline, backendIds: ids }
    expect((await deliver([shard], { queue: 'runtimestate-probes-dlq', attempts: 2 })).explicitAcks).toHaveLength(1)
    // The dead-letter record completes the run, which calls its publish on the real queue.
    expect(await finished(runId)).toMatchObject({ outcome: 'ok', backendsTotal: 2, deferred: 2 })
    for (const state of (await byName()).values()) {
      expect(state.status).toBe('healthy')
      expect(state.warnings).toEqual([
        'not checked this cycle: its shard kept failing and went to the dead-letter queue',
      ])
    }
    expect(await withDb((db) => db.select().from(backendRollups))).toEqual(before)
    const backends = await withDb((db) => db.execute(sql`select count(*)::int as n from backends`))
    expect(backends.rows[0]).toEqual({ n: 2 })
  })

  it('refreshes the catalog when it plans, and the publishing consumer resolves facts with it', async () => {
    const ids = await createFleet(2)
    const declared = await adminJson('POST', '/declared-models', {
      model: 'qwen3-8b',
      canChat: true,
      catalogId: 'openrouter/qwen/qwen3-8b',
    })
    expect(declared.status).toBe(201)
    const catalog = { CATALOG_URL: `${fake('catalog', 'ok', 'fan')}/api.json` }
    const runId = await planParked(catalog)
    expect((await runOf(runId)).catalog).toMatchObject({ outcome: 'updated' })
    const deadline = (await runOf(runId)).deadline!.toISOString()
    // The consumer that completes the set sends the publish call; it is parked and delivered here.
    const shard: ProbeMessage = { kind: 'shard', runId, deadline, backendIds: ids }
    await deliver([shard], { env: { ...catalog, PROBE_QUEUE: env.PARKED_QUEUE } })
    expect((await deliver([{ kind: 'publish', runId }], { env: catalog })).explicitAcks).toHaveLength(1)
    expect(await finished(runId)).toMatchObject({ outcome: 'ok', backendsTotal: 2 })
    for (const state of (await byName()).values()) {
      const qwen = state.pulledModels.find((m) => m.model === 'qwen3-8b')
      expect(qwen).toMatchObject({ catalog: { id: 'openrouter/qwen/qwen3-8b' }, pricing: { input: 0.05 } })
    }
  })
})

describe('a fanned-out cycle past its budgets', () => {
  it('keeps every invocation within SUBREQUEST_BUDGET and KV_OPS_BUDGET, deferring what does not fit', async () => {
    const ids = await createFleet(6)
    const budgets = { SUBREQUEST_BUDGET: '4', KV_OPS_BUDGET: '40' }
    const runId = await planParked(budgets)
    const deadline = (await runOf(runId)).deadline!.toISOString()
    // Each consumer: its database connection and the publish call held back leave 2 of 3 probes.
    for (const backendIds of [ids.slice(0, 3), ids.slice(3)]) {
      const result = await deliver([{ kind: 'shard', runId, deadline, backendIds }], { env: budgets })
      expect(result.explicitAcks).toHaveLength(1)
    }
    // The last shard in called the publish, which the queue's own consumer ran.
    const run = await finished(runId)
    // The two deferred were never published before: they wait for their first probe, left out.
    expect(run).toMatchObject({ outcome: 'ok', backendsTotal: 4, deferred: 2 })
    expect(await listingCalls()).toBe(4)
    expect(run.maxSubrequests).toBeLessThanOrEqual(4)
    expect(run.maxKvOps).toBeLessThanOrEqual(40)
  })
})

/** How many model listings the fakes answered (one per backend probed). */
async function listingCalls(): Promise<number> {
  return (await fakeCalls()).filter((c) => c.path.endsWith('/v1/models')).length
}
