import { sql } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  FAKE_HOST,
  adminJson,
  createBackend,
  fake,
  jsonRecords,
  logsDuring,
  resetAll,
  runScheduled,
  withDb,
} from './helpers'

const SECRET = 'sk-test-never-logged-7777'

beforeEach(resetAll)
afterEach(() => vi.restoreAllMocks())

describe('structured logs', () => {
  it('write one JSON line per cycle and per admin change, never a credential', async () => {
    const lines = await logsDuring(async () => {
      await createBackend('openai', 'openai', `${fake('openai', 'status-401', 'lg1')}/v1`)
      await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'lg2'))
      await adminJson('POST', '/providers/openai/configure', { hosts: [FAKE_HOST], apiKey: SECRET })
      await runScheduled()
    })
    expect(lines.join('\n')).not.toContain(SECRET)

    const records = jsonRecords(lines)
    const cycles = records.filter((r) => r.msg === 'reconcile cycle')
    expect(cycles).toHaveLength(1)
    expect(cycles[0]).toMatchObject({
      outcome: 'ok',
      backends: 2,
      byStatus: { healthy: 1, down: 1, degraded: 0, unconfigured: 0, unsupported: 0 },
      cacheHits: 0,
      snapshotWritten: true,
    })
    expect(cycles[0]!.durationMs).toEqual(expect.any(Number))
    expect(cycles[0]!.kvWrites).toBeGreaterThan(0)

    const changes = records.filter((r) => r.msg === 'admin change').map((r) => r.action)
    expect(changes).toEqual(['backend.create', 'backend.create', 'provider.configure'])
  })
})

describe('a query that fails', () => {
  /** A check the route does not know of, so the insert fails in a way no route maps: a 500. */
  const REFUSING_CHECK = 'backends_refuse_for_logs_test'

  it("logs the SQLSTATE and the statement's kind, never the parameters", async () => {
    const baseUrl = `http://gpu-1:11434/${SECRET}`
    await withDb((db) =>
      db.execute(
        sql.raw(
          `alter table backends add constraint ${REFUSING_CHECK} check (base_url not like '%sk-test-%') not valid`,
        ),
      ),
    )
    try {
      let status = 0
      const lines = await logsDuring(async () => {
        status = (await adminJson('POST', '/backends', { name: 'refused', type: 'ollama', baseUrl })).status
      })
      expect(status).toBe(500)
      expect(lines.join('\n')).not.toContain(SECRET)
      expect(jsonRecords(lines).filter((r) => r.msg === 'unhandled error')).toEqual([
        {
          msg: 'unhandled error',
          path: '/backends',
          error: 'DrizzleQueryError',
          sqlState: '23514',
          constraint: REFUSING_CHECK,
          statement: 'insert into "backends"',
        },
      ])
    } finally {
      await withDb((db) => db.execute(sql.raw(`alter table backends drop constraint ${REFUSING_CHECK}`)))
    }
  })
})
