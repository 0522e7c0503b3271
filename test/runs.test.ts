import { createExecutionContext, createMessageBatch } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { desc, eq, sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/db/client'
import { backendHealth, reconcileLease, reconcileRuns } from '../src/db/schema'
import { type Env, SettingsError } from '../src/env'
import type { RunSummary } from '../src/reconcile/cycle'
import type { ProbeMessage } from '../src/reconcile/fanout'
import worker from '../src/index'
import {
  ADMIN,
  READER,
  adminJson,
  call,
  createBackend,
  cycleWith,
  fake,
  fetchWith,
  readState,
  resetAll,
  runScheduled,
  until,
  withDb,
} from './helpers'

interface Run {
  id: string
  trigger: string
  startedAt: string
  finishedAt: string | null
  outcome: string
  error: string | null
  backendsTotal: number
  snapshotWritten: boolean
  recorded: boolean
}
interface RunList {
  runs: Run[]
  database: { reachable: boolean; reason?: string }
}

const runRows = () => withDb((db) => db.select().from(reconcileRuns).orderBy(desc(reconcileRuns.startedAt)))
const runRow = async (id: string) => (await runRows()).find((r) => r.id === id)
const leaseRow = async () => (await withDb((db) => db.select().from(reconcileLease)))[0]

/** The real KV namespace, except that every write fails as it would in a KV outage. */
function kvFailingWrites(kv: KVNamespace): KVNamespace {
  return new Proxy(kv, {
    get(target, property) {
      if (property === 'put') {
        return async () => {
          throw new Error('KV PUT failed: 503 Service Unavailable (simulated outage)')
        }
      }
      const value = Reflect.get(target, property) as unknown
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}

/** Makes Postgres itself refuse a statement on `table`, until the returned function undoes it. */
async function refuseWrites(table: string, event: 'insert or update' | 'delete'): Promise<() => Promise<void>> {
  await withDb(async (db) => {
    await db.execute(sql`create or replace function test_refuse_write() returns trigger language plpgsql as $$
      begin raise exception 'simulated failure: % on % refused', tg_op, tg_table_name; end $$`)
    await db.execute(
      sql.raw(`create trigger test_refuse_write before ${event} on ${table} execute function test_refuse_write()`),
    )
  })
  return () =>
    withDb(async (db) => {
      await db.execute(sql.raw(`drop trigger if exists test_refuse_write on ${table}`))
      await db.execute(sql`drop function if exists test_refuse_write()`)
    })
}

beforeEach(resetAll)

describe('the cycle lease', () => {
  it('takes over a lease whose holder stopped renewing it and records that run abandoned', async () => {
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'k1'))
    await withDb(async (db) => {
      await db.insert(reconcileRuns).values([
        { id: 'killed-run', trigger: 'cron', startedAt: sql`now() - interval '2 minutes'` },
        { id: 'older-ghost', trigger: 'manual', startedAt: sql`now() - interval '3 hours'` },
        {
          id: 'finished-run',
          trigger: 'cron',
          outcome: 'ok',
          startedAt: sql`now() - interval '1 hour'`,
          finishedAt: sql`now() - interval '59 minutes'`,
        },
      ])
      // The state a SIGKILL leaves: the lease still names the dead run, and no one renews it.
      await db
        .insert(reconcileLease)
        .values({ name: 'reconcile', runId: 'killed-run', expiresAt: sql`now() - interval '1 second'` })
    })

    const response = await adminJson('POST', '/setup/refresh')
    expect(response.status).toBe(200)
    const summary = await response.json<RunSummary>()
    expect(summary.outcome).toBe('ok')
    expect(summary.warnings).toEqual([
      'run killed-run stopped renewing its lease; took over and recorded it as abandoned',
      'run older-ghost stopped renewing its lease; took over and recorded it as abandoned',
    ])

    const killed = await runRow('killed-run')
    expect(killed).toMatchObject({ outcome: 'abandoned' })
    expect(killed!.error).toMatch(/stopped renewing its lease/)
    expect(killed!.finishedAt).not.toBeNull()
    expect(await runRow('older-ghost')).toMatchObject({ outcome: 'abandoned' })
    expect(await runRow('finished-run')).toMatchObject({ outcome: 'ok', error: null })
    expect(await runRow(summary.runId)).toMatchObject({ outcome: 'ok', backendsTotal: 1 })
    expect(await readState()).toHaveLength(1)
    // Released on the way out: the next cycle does not wait.
    expect((await leaseRow())!.expiresAt.getTime()).toBeLessThanOrEqual(Date.now())
  })

  it('is blocked by a lease that has not expired, and leaves its holder running', async () => {
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'k2'))
    await withDb(async (db) => {
      await db.insert(reconcileRuns).values({ id: 'live-run', trigger: 'cron' })
      await db
        .insert(reconcileLease)
        .values({ name: 'reconcile', runId: 'live-run', expiresAt: sql`now() + interval '30 seconds'` })
    })

    const response = await adminJson('POST', '/setup/refresh')
    expect(response.status).toBe(409)
    await runScheduled()

    expect(await runRows()).toMatchObject([{ id: 'live-run', outcome: 'running', finishedAt: null }])
    expect(await leaseRow()).toMatchObject({ runId: 'live-run' })
  })

  it('renews the lease while a cycle is in flight', { timeout: 15_000 }, async () => {
    // A lease of 10 s is renewed every 3.3 s; the backend answers after 4.5 s.
    await createBackend('slow', 'vllm', fake('vllm', 'delay-4500', 'r1'))
    // Set when the cycle settles, which TS cannot see from the loop: a property, not a narrowed local.
    const cycleState = { finished: false }
    const cycle = runScheduled({ LEASE_TTL_S: '10', PROBE_TIMEOUT_MS: '8000' }).finally(
      () => (cycleState.finished = true),
    )

    let first: number | undefined
    let renewed: number | undefined
    while (!cycleState.finished && renewed === undefined) {
      const lease = await leaseRow()
      if (lease && lease.expiresAt.getTime() > Date.now()) {
        first ??= lease.expiresAt.getTime()
        if (lease.expiresAt.getTime() > first) renewed = lease.expiresAt.getTime()
      }
      await scheduler.wait(200)
    }
    await cycle

    expect(first).toBeDefined()
    expect(renewed).toBeGreaterThan(first!)
    expect((await runRows())[0]).toMatchObject({ outcome: 'ok' })
  })

  it('publishes nothing, and saves no health, once another cycle has taken its lease', async () => {
    await createBackend('slow', 'vllm', fake('vllm', 'delay-1000', 'u1'))
    const cycle = cycleWith()
    await until(async () => (await leaseRow()) !== undefined, 'the cycle to take the lease')
    const loser = (await leaseRow())!.runId
    // What a takeover leaves after this cycle stopped renewing for longer than the lease.
    await withDb((db) =>
      db.update(reconcileLease).set({ runId: 'later-run', expiresAt: sql`now() + interval '1 minute'` }),
    )

    const summary = await cycle
    expect(summary).toMatchObject({ runId: loser, outcome: 'failed', snapshotWritten: false })
    expect(summary.error).toMatch(/^lost the cycle lease: .*published nothing/)
    expect(await env.KV.get('snapshot:meta')).toBeNull()
    expect(await withDb((db) => db.select().from(backendHealth))).toEqual([])
    // Its run record is fenced too: the run that took the lease over records it (as abandoned).
    expect(summary.error).toMatch(/another cycle took the lease over before this one was recorded/)
    expect(await runRow(loser)).toMatchObject({ outcome: 'running', error: null })
    // The later run's lease is untouched.
    expect(await leaseRow()).toMatchObject({ runId: 'later-run' })
    expect((await leaseRow())!.expiresAt.getTime()).toBeGreaterThan(Date.now())
  })
})

describe('run history', () => {
  it('prunes runs older than 30 days in each cycle', async () => {
    await withDb((db) =>
      db.insert(reconcileRuns).values([
        { id: 'day-31', trigger: 'cron', outcome: 'ok', startedAt: sql`now() - interval '31 days'` },
        { id: 'day-29', trigger: 'cron', outcome: 'ok', startedAt: sql`now() - interval '29 days'` },
      ]),
    )
    await runScheduled()
    const ids = (await runRows()).map((r) => r.id)
    expect(ids).toContain('day-29')
    expect(ids).not.toContain('day-31')
    expect(ids).toHaveLength(2)
  })

  it('abandons an old run that is still running rather than deleting it, and prunes it a cycle later', async () => {
    await withDb((db) =>
      db.insert(reconcileRuns).values([
        { id: 'day-40-running', trigger: 'cron', outcome: 'running', startedAt: sql`now() - interval '40 days'` },
        { id: 'day-40-failed', trigger: 'cron', outcome: 'failed', startedAt: sql`now() - interval '40 days'` },
      ]),
    )
    await runScheduled()
    expect(await runRow('day-40-running')).toMatchObject({ outcome: 'abandoned' })
    expect(await runRow('day-40-failed')).toBeUndefined()
    await runScheduled()
    expect(await runRow('day-40-running')).toBeUndefined()
  })
})

describe('publishing and saving health are independent', () => {
  it('saves health and records the run when KV refuses the snapshot', async () => {
    const id = await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'kv1'))
    const summary = await cycleWith({ kv: kvFailingWrites(env.KV) })

    expect(summary.outcome).toBe('failed')
    expect(summary.error).toMatch(/^publishing the snapshot to KV: KV PUT failed/)
    expect(summary.snapshotWritten).toBe(false)
    expect(await env.KV.get('snapshot:meta')).toBeNull()
    const health = await withDb((db) => db.select().from(backendHealth).where(eq(backendHealth.backendId, id)))
    expect(health).toMatchObject([{ consecutiveFailures: 0 }])
    expect(health[0]!.lastSuccessAt).not.toBeNull()
    expect(await runRow(summary.runId)).toMatchObject({
      outcome: 'failed',
      error: summary.error,
      snapshotWritten: false,
      backendsTotal: 1,
      backendsHealthy: 1,
    })
  })

  it('keeps the published snapshot and records the error when health cannot be saved', async () => {
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'h1'))
    const restore = await refuseWrites('backend_health', 'insert or update')
    let summary: RunSummary
    try {
      summary = await cycleWith()
    } finally {
      await restore()
    }

    expect(summary.outcome).toBe('failed')
    expect(summary.error).toMatch(/^saving health: .*simulated failure: INSERT on backend_health refused/)
    expect(summary.snapshotWritten).toBe(true)
    expect(await readState()).toMatchObject([{ name: 'vllm', status: 'healthy' }])
    expect(await withDb((db) => db.select().from(backendHealth))).toEqual([])
    expect(await runRow(summary.runId)).toMatchObject({ outcome: 'failed', snapshotWritten: true })
  })
})

describe('GET /runs', () => {
  it('lists recent runs newest first, with their counts', async () => {
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'g1'))
    await runScheduled()
    await runScheduled()
    const response = await call('/runs', { headers: ADMIN })
    expect(response.status).toBe(200)
    const body = await response.json<RunList>()
    expect(body.database).toEqual({ reachable: true })
    expect(body.runs).toHaveLength(2)
    expect(body.runs.map((r) => r.id)).toEqual((await runRows()).map((r) => r.id))
    expect(body.runs[0]).toMatchObject({
      trigger: 'cron',
      outcome: 'ok',
      error: null,
      backendsTotal: 1,
      backendsHealthy: 1,
      backendsFailed: 0,
      recorded: true,
    })
    expect(body.runs[1]!.snapshotWritten).toBe(true)
    expect(Date.parse(body.runs[0]!.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(body.runs[0]!.startedAt))
  })

  it('takes ?limit= up to 100, 20 by default', async () => {
    await withDb((db) =>
      db.insert(reconcileRuns).values(
        Array.from({ length: 25 }, (_, i) => ({
          id: `run-${String(i).padStart(2, '0')}`,
          trigger: 'cron',
          outcome: 'ok',
          startedAt: sql`now() - make_interval(mins => ${i})`,
        })),
      ),
    )
    const list = async (query: string) =>
      (await (await call(`/runs${query}`, { headers: ADMIN })).json<RunList>()).runs.map((r) => r.id)
    expect(await list('')).toHaveLength(20)
    expect(await list('?limit=3')).toEqual(['run-00', 'run-01', 'run-02'])
    expect(await list('?limit=100')).toHaveLength(25)

    for (const bad of ['101', '0', 'abc', '2.5']) {
      const response = await call(`/runs?limit=${bad}`, { headers: ADMIN })
      expect(response.status).toBe(422)
      expect((await response.json<{ error: { param: string } }>()).error.param).toBe('limit')
    }
  })

  it('is documented in /openapi.json', async () => {
    const spec = await (
      await call('/openapi.json')
    ).json<{
      paths: Record<string, Record<string, { parameters?: { name: string }[]; responses: Record<string, unknown> }>>
      components: { schemas: Record<string, unknown> }
    }>()
    const get = spec.paths['/runs']!.get!
    expect(get.parameters?.map((p) => p.name)).toEqual(['limit'])
    expect(Object.keys(get.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '422']))
    expect(spec.components.schemas).toHaveProperty('RunList')
  })

  it('is for the admin token only', async () => {
    expect((await call('/runs')).status).toBe(401)
    expect((await call('/runs', { headers: READER })).status).toBe(403)
  })

  it('includes the last run that could not be recorded, in time order', async () => {
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'n1'))
    await runScheduled()
    await runScheduled({ NEON_WS_PROXY: '127.0.0.1:1' })
    await runScheduled()

    const { runs } = await (await call('/runs', { headers: ADMIN })).json<RunList>()
    expect(runs.map((r) => [r.outcome, r.recorded])).toEqual([
      ['ok', true],
      ['failed', false],
      ['ok', true],
    ])
    expect(runs[1]!.error).toMatch(/^database unavailable: /)
    expect(runs[1]!.finishedAt).not.toBeNull()
  })

  it('answers with the unrecorded run when the database cannot be reached', async () => {
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'n2'))
    await runScheduled()
    await runScheduled({ NEON_WS_PROXY: '127.0.0.1:1' })

    const response = await fetchWith({ NEON_WS_PROXY: '127.0.0.1:1' }, '/runs', { headers: ADMIN })
    expect(response.status).toBe(200)
    const body = await response.json<RunList>()
    expect(body.database).toEqual({ reachable: false, reason: 'unreachable' })
    expect(body.runs).toHaveLength(1)
    expect(body.runs[0]).toMatchObject({ outcome: 'failed', recorded: false, trigger: 'cron' })
    expect(body.runs[0]!.error).toMatch(/^database unavailable: /)
  })

  it('records a run that a bad setting stopped, naming the setting, and fails the invocation', async () => {
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'n3'))
    await runScheduled()
    await expect(runScheduled({ KV_OPS_BUDGET: '5000' })).rejects.toThrow(SettingsError)

    const { runs } = await (await call('/runs', { headers: ADMIN })).json<RunList>()
    expect(runs.map((r) => [r.outcome, r.recorded])).toEqual([
      ['failed', false],
      ['ok', true],
    ])
    expect(runs[0]).toMatchObject({ trigger: 'cron', backendsTotal: 0, snapshotWritten: false })
    expect(runs[0]!.error).toMatch(/^invalid setting KV_OPS_BUDGET: /)
    expect(runs[0]!.finishedAt).not.toBeNull()
  })

  it('records a queue batch that a bad setting stopped, naming the setting and the run, and fails the batch so that it is delivered again', async () => {
    const runId = crypto.randomUUID()
    const batch = createMessageBatch<ProbeMessage>('runtimestate-probes', [
      { id: 'm1', timestamp: new Date(), attempts: 1, body: { kind: 'publish', runId } },
    ])
    const ctx = createExecutionContext()
    const bad = { ...env, STATEMENT_TIMEOUT_MS: 'soon' } as Env
    await expect(worker.queue(batch, bad, ctx)).rejects.toThrow(SettingsError)

    const { runs } = await (await call('/runs', { headers: ADMIN })).json<RunList>()
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ outcome: 'failed', recorded: false, trigger: 'queue' })
    expect(runs[0]!.error).toMatch(/^invalid setting STATEMENT_TIMEOUT_MS: .*; a runtimestate-probes batch of run /)
    expect(runs[0]!.error).toContain(runId)
  })

  it('shows how a run ended when the database went away after recording its start', async () => {
    await createBackend('slow', 'vllm', fake('vllm', 'delay-500', 'm1'))
    const cycle = cycleWith()
    await until(async () => (await leaseRow()) !== undefined, 'the cycle to start')
    // From here on the database refuses the run's ending, as if it went away mid-cycle.
    const undo = await refuseWrites('reconcile_runs', 'insert or update')
    let summary: RunSummary
    try {
      summary = await cycle
    } finally {
      await undo()
    }
    expect(summary.outcome).toBe('failed')
    expect(summary.error).toMatch(/recording the run: .*simulated failure: UPDATE on reconcile_runs refused/)
    expect(await runRow(summary.runId)).toMatchObject({ outcome: 'running' })

    const { runs } = await (await call('/runs', { headers: ADMIN })).json<RunList>()
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ id: summary.runId, outcome: 'failed', recorded: false, snapshotWritten: true })
  })
})

describe('database statements', () => {
  it('carry STATEMENT_TIMEOUT_MS as statement_timeout on real Postgres, and fail past it', async () => {
    const { version } = (await withDb((db) => db.execute<{ version: string }>(sql`select version()`))).rows[0]!
    // pglite-socket answers the startup message itself and drops its parameters; PGlite cannot
    // cancel a running statement either. There only the driver's own timer bounds the wait.
    const pglite = /pglite/i.test(version)
    const shown = async (overrides: Partial<Env>) => {
      const handle = openDatabase({ ...env, ...overrides })
      try {
        return (await handle.db.execute<{ statement_timeout: string }>(sql`show statement_timeout`)).rows[0]!
          .statement_timeout
      } finally {
        await handle.close()
      }
    }
    expect(await shown({})).toBe(pglite ? '0' : '15s')
    expect(await shown({ STATEMENT_TIMEOUT_MS: '1234' })).toBe(pglite ? '0' : '1234ms')

    const handle = openDatabase({ ...env, STATEMENT_TIMEOUT_MS: '300' })
    try {
      const error = await handle.db.execute(sql`select pg_sleep(2)`).then(
        () => undefined,
        (e: unknown) => (e as { cause?: { code?: string; message?: string } }).cause,
      )
      if (pglite) expect(error?.message).toMatch(/^Query read timeout/)
      else expect(error).toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' })
    } finally {
      await handle.close()
    }
  })
})

describe('durationMs', () => {
  it('covers everything the database saw the run do', async () => {
    await createBackend('slow', 'vllm', fake('vllm', 'delay-300', 'd1'))
    const summary = await cycleWith()
    const run = (await runRow(summary.runId))!
    // The Worker's clock is read after the run's ending was recorded; the database stamped its
    // start after the cycle began. Both clocks are this machine's; Date.now() truncates to 1 ms.
    const recorded = run.finishedAt!.getTime() - run.startedAt.getTime()
    expect(summary.durationMs).toBeGreaterThanOrEqual(recorded - 1)
  })

  it("is the database's measure when the Worker's clock stands still", async () => {
    await createBackend('slow', 'vllm', fake('vllm', 'delay-300', 'd2'))
    // A clock that never moves, as an isolate's does while it computes.
    const frozen = new Date()
    const summary = await cycleWith({ now: () => frozen })
    expect(summary.durationMs).toBeGreaterThanOrEqual(300)
  })
})
