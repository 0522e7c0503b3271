import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { backendHealth, fleetEvents, reconcileLease } from '../src/db/schema'
import type { BackendRuntimeState } from '../src/published/types'
import {
  READER,
  adminJson,
  call,
  createBackend,
  cycleWith,
  fake,
  fakeCalls,
  readState,
  resetAll,
  withDb,
} from './helpers'

beforeEach(resetAll)

const NOT_CHECKED = /^not checked this cycle: /

/** vLLM fakes named b00…, each listing with one subrequest; the fake's id is the name. */
async function createFleet(count: number): Promise<Map<string, string>> {
  const ids = new Map<string, string>()
  for (let i = 0; i < count; i++) {
    const name = `b${String(i).padStart(2, '0')}`
    ids.set(await createBackend(name, 'vllm', fake('vllm', 'ok', name)), name)
  }
  return ids
}

/** The backends the fakes were asked about, in the order they were asked. */
async function askedInOrder(): Promise<string[]> {
  return (await fakeCalls('/vllm/ok/')).map((c) => c.path.split('/')[3]!)
}

const states = async () => readState<BackendRuntimeState[]>()

/** runtimestate_cycle_deferred_backends, as /metrics says it. */
async function deferredGauge(): Promise<number> {
  const families = parsePrometheusTextFormat(await (await call('/metrics', { headers: READER })).text()) as {
    name: string
    metrics: { value: string }[]
  }[]
  return Number(families.find((f) => f.name === 'runtimestate_cycle_deferred_backends')!.metrics[0]!.value)
}

describe('a cycle past its budgets', () => {
  it('stays within SUBREQUEST_BUDGET and KV_OPS_BUDGET, deferring what does not fit, then checks the deferred first', async () => {
    const names = await createFleet(30)
    expect((await cycleWith()).deferred).toBe(0)
    await fetch(`${env.FAKE_PROVIDERS_URL}/__reset`, { method: 'POST' })

    const budgets = { SUBREQUEST_BUDGET: '12', KV_OPS_BUDGET: '60', PROBE_CONCURRENCY: '1' }
    const tight = await cycleWith({ env: budgets })
    expect(tight.outcome).toBe('ok')
    expect(tight.usage.subrequests).toBeLessThanOrEqual(12)
    expect(tight.usage.kvOps).toBeLessThanOrEqual(60)
    expect(tight.usage.maxConnections).toBeLessThanOrEqual(6)
    // Every subrequest counted is one the fakes saw, plus the database's connection.
    const asked = await askedInOrder()
    expect(tight.usage.subrequests).toBe(asked.length + 1)
    expect(tight.deferred).toBe(30 - asked.length)
    expect(tight.deferred).toBeGreaterThan(0)
    expect(tight.backends).toBe(30)

    const deferred = (await states()).filter((s) => !asked.includes(s.name))
    expect(deferred).toHaveLength(tight.deferred)
    for (const state of deferred) {
      expect(state.status).toBe('healthy')
      expect(state.pulledModels.length).toBeGreaterThan(0)
      expect(state.pulledModels.every((m) => m.stale)).toBe(true)
      expect(state.warnings).toEqual(["not checked this cycle: the invocation's subrequest budget ran out"])
    }
    for (const state of (await states()).filter((s) => asked.includes(s.name))) {
      expect(state.warnings ?? []).not.toContainEqual(expect.stringMatching(NOT_CHECKED))
    }

    const runs = await (
      await adminJson('GET', '/runs')
    ).json<{
      runs: { id: string; deferred: number; maxPerInvocation: { subrequests: number; kvOps: number } }[]
    }>()
    expect(runs.runs.find((r) => r.id === tight.runId)).toMatchObject({
      deferred: tight.deferred,
      maxPerInvocation: { subrequests: tight.usage.subrequests, kvOps: tight.usage.kvOps },
    })

    expect(await deferredGauge()).toBe(tight.deferred)

    // The next cycle starts with the backends checked longest ago: the deferred ones.
    await fetch(`${env.FAKE_PROVIDERS_URL}/__reset`, { method: 'POST' })
    const next = await cycleWith({ env: { PROBE_CONCURRENCY: '1' } })
    expect(next.deferred).toBe(0)
    const order = await askedInOrder()
    expect(new Set(order.slice(0, deferred.length))).toEqual(new Set(deferred.map((s) => s.name)))
    for (const state of await states()) expect(state.warnings ?? []).toEqual([])
    expect(await deferredGauge()).toBe(0)
    expect(names.size).toBe(30)
  })

  it('publishes when its time budget runs out: the deferred are stale and named, and go first next cycle', async () => {
    await createFleet(8)
    expect((await cycleWith()).deferred).toBe(0)
    await fetch(`${env.FAKE_PROVIDERS_URL}/__reset`, { method: 'POST' })

    // A clock that moves a second at every reading: the 10 s budget runs out after a few probes.
    let ticks = 0
    const start = Date.now()
    const summary = await cycleWith({
      env: { CYCLE_BUDGET_MS: '10000', PROBE_CONCURRENCY: '1' },
      now: () => new Date(start + 1000 * ticks++),
    })
    expect(summary.outcome).toBe('ok')
    expect(summary.snapshotWritten).toBe(true)
    const asked = await askedInOrder()
    expect(asked.length).toBeGreaterThan(0)
    expect(summary.deferred).toBe(8 - asked.length)
    expect(summary.deferred).toBeGreaterThan(0)
    const deferred = (await states()).filter((s) => !asked.includes(s.name))
    for (const state of deferred) {
      expect(state.pulledModels.every((m) => m.stale)).toBe(true)
      expect(state.warnings).toEqual(["not checked this cycle: the cycle's time budget ran out"])
    }
    // The run names them.
    const names = deferred.map((s) => s.name).sort()
    expect(summary.warnings).toContain(
      `${names.length} backends not checked this cycle: the cycle's time budget ran out: ${names.join(', ')}`,
    )

    await fetch(`${env.FAKE_PROVIDERS_URL}/__reset`, { method: 'POST' })
    await cycleWith({ env: { PROBE_CONCURRENCY: '1' } })
    const order = await askedInOrder()
    expect(new Set(order.slice(0, deferred.length))).toEqual(new Set(deferred.map((s) => s.name)))
  })
})

describe('fenced writes', () => {
  it('writes nothing once the lease moves to another run between its confirmation and the writes', async () => {
    await createFleet(3)
    // KV that hands the lease to another run as the publish writes its first value, after the
    // cycle confirmed the lease.
    let moved = false
    const kv = new Proxy(env.KV, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as (...args: unknown[]) => unknown
        if (typeof value !== 'function') return value
        return async (...args: unknown[]) => {
          if (prop === 'put' && String(args[0]).startsWith('snapshot:') && !moved) {
            moved = true
            await withDb((db) => db.update(reconcileLease).set({ runId: 'the-run-that-took-over' }))
          }
          return value.apply(target, args)
        }
      },
    })
    const summary = await cycleWith({ kv })
    expect(moved).toBe(true)
    expect(summary.outcome).toBe('failed')
    expect(summary.error).toMatch(/lost the cycle lease/)
    expect(summary.snapshotWritten).toBe(false)
    expect(await env.KV.get('snapshot:meta')).toBeNull()
    expect(await withDb((db) => db.select().from(backendHealth))).toEqual([])
    expect(await withDb((db) => db.select().from(fleetEvents))).toEqual([])
    const run = await withDb((db) => db.execute(sql`select outcome from reconcile_runs where id = ${summary.runId}`))
    expect(run.rows).toEqual([{ outcome: 'running' }])
  })
})
