import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { eq } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { backendRollups } from '../src/db/schema'
import type { BackendRuntimeState } from '../src/published/types'
import { READER, call, createBackend, cycleWith, fake, resetAll, stateOf, withDb } from './helpers'

beforeEach(resetAll)

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
    const withHistory = (await history.json()) as BackendRuntimeState & { history: { hour: string; probes: number }[] }
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
    const states = (await (await call('/state', { headers: READER })).json()) as BackendRuntimeState[]
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

  it('needs the read token, and is empty before the first cycle', async () => {
    expect((await call('/metrics')).status).toBe(401)
    const empty = await call('/metrics', { headers: READER })
    expect(empty.status).toBe(200)
    expect(await empty.text()).toBe('')
  })
})
