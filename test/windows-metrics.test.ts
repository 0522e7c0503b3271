import { env } from 'cloudflare:workers'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { eq } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { backendHealth, backendRollups } from '../src/db/schema'
import { LAST_CYCLE_KEY } from '../src/kv/moving-view'
import type { BackendRuntimeState } from '../src/published/types'
import { READER, call, createBackend, cycleWith, fake, resetAll, stateOf, withDb } from './helpers'

beforeEach(resetAll)

/** Postgres that cannot be reached: a cycle given it fails before it probes anything. */
const DATABASE_DOWN = {
  DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:1/postgres',
  NEON_WS_PROXY: '127.0.0.1:1',
}

/** A cycle at `at`: the clock reads `at` when the cycle starts and moves on in real time from there. */
async function cycleAt(at: string) {
  const base = Date.parse(at)
  const realStart = Date.now()
  return cycleWith({ now: () => new Date(base + (Date.now() - realStart)) })
}

describe('uptime and latency windows, from hourly rollups', () => {
  it('are exact for a scripted history over whole clock hours, and rollups past 8 days are pruned', async () => {
    // Latencies: d120 falls in the (100, 200] ms bucket, d600 in (500, 750], ok in [0, 25].
    const id = await createBackend('w', 'vllm', fake('vllm', 'script-d120.500.d120.d600.ok.ok.ok', 'w1'))
    await cycleAt('2026-11-20T10:05:00.000Z')
    await cycleAt('2026-11-20T10:15:00.000Z')
    await cycleAt('2026-11-20T10:25:00.000Z')
    await cycleAt('2026-11-20T10:35:00.000Z')
    await cycleAt('2026-11-21T09:05:00.000Z')
    const nextDay = await stateOf('w')
    // 1 h: this hour's one good probe. 24 h and 7 d: 4 good of 5 (the 500 was down).
    expect(nextDay.uptime).toEqual({ '1h': 1, '24h': 0.8, '7d': 0.8 })
    // Listings that asked: 200, 200, 750, 25 (the failed probe has no listing latency).
    expect(nextDay.latency24h).toEqual({ p50Ms: 200, p95Ms: 750 })

    await cycleAt('2026-11-21T11:05:00.000Z')
    const later = await stateOf('w')
    // The hour of 20 Nov 10:00 has left the 24 h window, not the 7 d one.
    expect(later.uptime).toEqual({ '1h': 1, '24h': 1, '7d': 5 / 6 })
    const history = await call(`/state/${id}?history=24h`, { headers: READER })
    expect(history.status).toBe(200)
    const withHistory = await history.json<BackendRuntimeState & { history: { hour: string; probes: number }[] }>()
    expect(withHistory.id).toBe(id)
    expect(withHistory.history.map((h) => [h.hour, h.probes])).toEqual([
      ['2026-11-21T09:00:00.000Z', 1],
      ['2026-11-21T11:00:00.000Z', 1],
    ])
    expect((await call(`/state/${id}?history=7d`, { headers: READER })).status).toBe(400)

    await cycleAt('2026-11-29T12:30:00.000Z')
    const hours = await withDb((db) => db.select().from(backendRollups).where(eq(backendRollups.backendId, id)))
    expect(hours.map((h) => h.hour.toISOString())).toEqual(['2026-11-29T12:00:00.000Z'])
    expect((await stateOf('w')).uptime).toEqual({ '1h': 1, '24h': 1, '7d': 1 })
  })
})

interface Sample {
  labels?: Record<string, string>
  value: string
}

describe('GET /metrics', () => {
  it('parses as Prometheus text and agrees with /state', async () => {
    await createBackend('plain', 'vllm', fake('vllm', 'ok', 'm1'))
    await createBackend('odd "name" \\ here', 'vllm', fake('vllm', 'status-500', 'm2'))
    await cycleWith()
    const response = await call('/metrics', { headers: READER })
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const families = parsePrometheusTextFormat(await response.text()) as { name: string; metrics: Sample[] }[]
    const family = (name: string) => families.find((f) => f.name === name)?.metrics ?? []
    const states = await (await call('/state', { headers: READER })).json<BackendRuntimeState[]>()
    expect(states).toHaveLength(2)
    for (const state of states) {
      const mine = (samples: Sample[]) => samples.filter((s) => s.labels?.backend_id === state.id)
      const statuses = mine(family('runtimestate_backend_status'))
      expect(statuses.every((s) => s.labels!.backend === state.name && s.labels!.type === 'vllm')).toBe(true)
      expect(statuses.filter((s) => s.value === '1').map((s) => s.labels!.status)).toEqual([state.status])
      expect(Number(mine(family('runtimestate_backend_models'))[0]!.value)).toBe(state.pulledModels.length)
      expect(Number(mine(family('runtimestate_backend_uptime_ratio'))[0]!.value)).toBe(state.uptime['24h'])
      const p95 = mine(family('runtimestate_backend_latency_p95_seconds'))
      expect(p95.map((s) => Number(s.value))).toEqual(
        state.latency24h.p95Ms === null ? [] : [state.latency24h.p95Ms / 1000],
      )
      const age = mine(family('runtimestate_backend_last_success_age_seconds'))
      expect(age.length).toBe(state.lastSuccessAt === null ? 0 : 1)
    }
    expect(Number(family('runtimestate_cycle_success')[0]!.value)).toBe(1)
    expect(Number(family('runtimestate_cycle_duration_seconds')[0]!.value)).toBeGreaterThanOrEqual(0)
  })

  it('needs the read token, and has only the webhook figures before the first cycle', async () => {
    expect((await call('/metrics')).status).toBe(401)
    const families = await scrape()
    expect(families.map((f) => f.name).sort()).toEqual([
      'runtimestate_webhook_deliveries_total',
      'runtimestate_webhook_oldest_pending_seconds',
    ])
    expect(families.flatMap((f) => f.metrics.map((m) => Number(m.value)))).toEqual([0, 0, 0, 0, 0])
  })
})

/** /metrics, parsed. */
async function scrape() {
  const response = await call('/metrics', { headers: READER })
  expect(response.status).toBe(200)
  return parsePrometheusTextFormat(await response.text()) as { name: string; metrics: Sample[] }[]
}

/** The one sample of a family without labels, or of one backend's. */
async function gauge(name: string, backendId?: string): Promise<number | undefined> {
  const family = (await scrape()).find((f) => f.name === name)
  const sample = family?.metrics.find((m) => backendId === undefined || m.labels?.backend_id === backendId)
  return sample === undefined ? undefined : Number(sample.value)
}

describe('GET /metrics between publishes', () => {
  it('says whether the last cycle succeeded, though a failed cycle publishes nothing', async () => {
    await createBackend('plain', 'vllm', fake('vllm', 'ok', 'cs1'))
    expect(await cycleWith()).toMatchObject({ outcome: 'ok', snapshotWritten: true })
    expect(await gauge('runtimestate_cycle_success')).toBe(1)

    const failed = await cycleWith({ env: DATABASE_DOWN })
    expect(failed.outcome).toBe('failed')
    expect(await gauge('runtimestate_cycle_success')).toBe(0)
    expect(await gauge('runtimestate_cycle_start_timestamp_seconds')).toBe(Date.parse(failed.startedAt) / 1000)

    // Nothing changed since the snapshot was published: this good cycle publishes nothing either.
    const quiet = await cycleWith()
    expect(quiet).toMatchObject({ outcome: 'ok', snapshotWritten: false })
    expect(await gauge('runtimestate_cycle_success')).toBe(1)
    expect(await gauge('runtimestate_cycle_start_timestamp_seconds')).toBe(Date.parse(quiet.startedAt) / 1000)

    // A value it cannot read leaves the published figures.
    for (const unreadable of ['not json', '{"cycle":null,"lastSuccessAt":{}}']) {
      await env.KV.put(LAST_CYCLE_KEY, unreadable)
      expect(await gauge('runtimestate_cycle_success')).toBe(1)
    }
  })

  it("measures a quiet healthy backend's last success from its last cycle, not from the last publish", async () => {
    const id = await createBackend('steady', 'vllm', fake('vllm', 'ok', 'ls1'))
    // Cycles 5 minutes apart, the last one now, all within SNAPSHOT_HEARTBEAT_S (900 s) of the first.
    const first = Date.now() - 14 * 60_000
    const cycles = []
    for (const minutes of [0, 5, 10, 14]) cycles.push(await cycleAt(new Date(first + minutes * 60_000).toISOString()))
    expect(cycles.map((c) => c.snapshotWritten)).toEqual([true, false, false, false])
    const [health] = await withDb((db) => db.select().from(backendHealth).where(eq(backendHealth.backendId, id)))
    const lastSuccess = health!.lastSuccessAt!.getTime()
    expect(lastSuccess).toBeGreaterThanOrEqual(first + 14 * 60_000)

    const before = Date.now()
    const age = await gauge('runtimestate_backend_last_success_age_seconds', id)
    const after = Date.now()
    // Seconds from the last cycle's success to the scrape, not from the publish 14 minutes before it.
    expect(age).toBeGreaterThanOrEqual((before - lastSuccess) / 1000)
    expect(age).toBeLessThanOrEqual((after - lastSuccess) / 1000)
  })
})

describe('uptime counts the probes that asked a backend how it is', () => {
  it('leaves an unconfigured and an only rate-limited backend without uptime in /state, /metrics and pages', async () => {
    const unconfigured = await createBackend('no-key', 'openai', `${fake('openai', 'ok', 'up1')}/v1`)
    const limited = await createBackend('busy', 'vllm', fake('vllm', 'status-429', 'up2'))
    // Listed, failed, then rate-limited: one good probe of the two that count.
    const mixed = await createBackend('sometimes', 'vllm', fake('vllm', 'script-ok.500.429', 'up3'))
    for (let i = 0; i < 3; i++) await cycleWith()

    const none = { '1h': null, '24h': null, '7d': null }
    expect(await stateOf('no-key')).toMatchObject({ status: 'unconfigured', uptime: none })
    expect(await stateOf('busy')).toMatchObject({ status: 'degraded', errorKind: 'rate_limited', uptime: none })
    expect((await stateOf('sometimes')).uptime).toEqual({ '1h': 0.5, '24h': 0.5, '7d': 0.5 })

    const families = await scrape()
    const uptimes = families.find((f) => f.name === 'runtimestate_backend_uptime_ratio')!.metrics
    expect(uptimes.map((s) => [s.labels!.backend_id, Number(s.value)])).toEqual([[mixed, 0.5]])

    const fleet = await (await call('/', { headers: READER })).text()
    const uptimeCell = (id: string) =>
      new RegExp(`data-backend="${id}"[\\s\\S]*?data-label="Uptime 24 h">([^<]*)<`).exec(fleet)?.[1]
    expect([uptimeCell(unconfigured), uptimeCell(limited), uptimeCell(mixed)]).toEqual(['–', '–', '50%'])
    for (const id of [unconfigured, limited]) {
      const page = await (await call(`/status/backends/${id}`, { headers: READER })).text()
      expect(page).toContain('1 h – · 24 h – · 7 d –')
    }
  })
})
