import { beforeEach, describe, expect, it } from 'vitest'
import type { BackendRuntimeState, BackendStatus } from '../src/published/types'
import type { RunSummary } from '../src/reconcile/cycle'
import type { ProviderEntry } from '../src/views/providers'
import { READER, call, createBackend, cycleWith, fake, fakeCalls, resetAll, stateOf } from './helpers'

beforeEach(resetAll)

/** The defaults, set here: the rest of the suite runs with thresholds of 1. */
const DEFAULT_THRESHOLDS = { FAIL_THRESHOLD: '3', RECOVER_THRESHOLD: '2' }

/** Runs cycles and returns the backend's published state after each (and the cycles' summaries). */
async function cycles(count: number, name: string) {
  const seen: BackendRuntimeState[] & { summaries?: RunSummary[] } = []
  const summaries: RunSummary[] = []
  for (let i = 0; i < count; i++) {
    summaries.push(await cycleWith({ env: DEFAULT_THRESHOLDS }))
    seen.push(await stateOf(name))
  }
  return Object.assign(seen, { summaries })
}

async function providers(query = ''): Promise<ProviderEntry[]> {
  return await (await call(`/providers${query}`, { headers: READER })).json<ProviderEntry[]>()
}

describe('the health state machine, across cycles against a fake that fails and recovers', () => {
  it('goes healthy → suspect → suspect → down → recovering → healthy with the default thresholds', async () => {
    await createBackend('flaky', 'vllm', fake('vllm', 'script-ok.500.500.500.ok.ok', 'f1'))
    const states = await cycles(6, 'flaky')
    expect(states.map((s) => s.status)).toEqual<BackendStatus[]>([
      'healthy',
      'suspect',
      'suspect',
      'down',
      'recovering',
      'healthy',
    ])
    // A transition publishes at once; a counter alone (the second failure) waits for the heartbeat.
    expect(states.summaries.map((s) => s.snapshotWritten)).toEqual([true, true, false, true, true, true])
    // Suspect: the last good models, stale, observed when that list was read.
    const [healthy, suspect, , down, recovering] = states
    expect(suspect!.errorKind).toBe('bad_status')
    expect(suspect!.models).toEqual(healthy!.models)
    expect(suspect!.pulledModels.every((m) => m.stale && m.observedAt === healthy!.lastSuccessAt)).toBe(true)
    expect(down!.pulledModels).toEqual([])
    expect(recovering!.pulledModels.every((m) => !m.stale)).toBe(true)
    // Each model keeps the time it was first seen across the outage.
    expect(states[5]!.pulledModels.map((m) => m.firstSeenAt)).toEqual(healthy!.pulledModels.map((m) => m.firstSeenAt))
  })

  it('serves a suspect backend in /providers marked stale, and leaves it out with fresh=true', async () => {
    await createBackend('flaky', 'vllm', fake('vllm', 'script-ok.500', 'f2'))
    await createBackend('steady', 'vllm', fake('vllm', 'ok', 's2'))
    await cycles(2, 'flaky')
    expect((await stateOf('flaky')).status).toBe('suspect')
    const all = await providers()
    const flaky = all.filter((e) => e.backendName === 'flaky')
    expect(flaky.length).toBeGreaterThan(0)
    expect(flaky.every((e) => e.stale && typeof e.observedAt === 'string')).toBe(true)
    expect(all.filter((e) => e.backendName === 'steady').every((e) => !e.stale)).toBe(true)
    const fresh = await providers('?fresh=true')
    expect(fresh.some((e) => e.backendName === 'flaky')).toBe(false)
    expect(fresh).toEqual(all.filter((e) => e.backendName === 'steady'))
    const bad = await call('/providers?fresh=yes', { headers: READER })
    expect(bad.status).toBe(422)
  })

  it('keeps a rate-limited backend degraded with its models, however many cycles it lasts', async () => {
    await createBackend('busy', 'vllm', fake('vllm', 'script-ok.429', 'r1'))
    const states = await cycles(5, 'busy')
    expect(states.map((s) => s.status)).toEqual(['healthy', 'degraded', 'degraded', 'degraded', 'degraded'])
    expect(states[4]).toMatchObject({ errorKind: 'rate_limited', consecutiveFailures: 0 })
    expect(states[4]!.models).toEqual(states[0]!.models)
    expect(states[4]!.pulledModels.every((m) => m.stale)).toBe(true)
  })

  it('does not ask a backend again before its Retry-After, and keeps its last good list meanwhile', async () => {
    await createBackend('slow-down', 'vllm', fake('vllm', 'script-ok.429r600.ok', 'ra1'))
    const [first, limited, waiting] = await cycles(3, 'slow-down')
    expect(first!.status).toBe('healthy')
    expect(limited).toMatchObject({ status: 'degraded', errorKind: 'rate_limited' })
    const until = Date.parse(limited!.retryAfterUntil!)
    expect(until - Date.parse(limited!.checkedAt)).toBe(600_000)
    // The third cycle did not ask: two requests in all.
    expect(await fakeCalls('/vllm/script-ok.429r600.ok/ra1')).toHaveLength(2)
    expect(waiting).toMatchObject({
      status: 'degraded',
      retryAfterUntil: limited!.retryAfterUntil,
      errorKind: 'rate_limited',
      error: limited!.error,
    })
    expect(waiting!.models).toEqual(first!.models)
  })

  it("keeps the provider's message while a backend waits out its Retry-After, and writes no snapshot for the wait", async () => {
    await createBackend('hold-on', 'vllm', fake('vllm', 'script-429r600', 'ra3'))
    const states = await cycles(2, 'hold-on')
    const [limited, waiting] = states
    expect(limited).toMatchObject({ status: 'degraded', errorKind: 'rate_limited' })
    expect(limited!.error).toMatch(/429/)
    // The second cycle did not ask: one request in all.
    expect(await fakeCalls('/vllm/script-429r600/ra3')).toHaveLength(1)
    expect(waiting).toMatchObject({ status: 'degraded', errorKind: 'rate_limited', error: limited!.error })
    expect(waiting!.retryAfterUntil).toBe(limited!.retryAfterUntil)
    // Nothing a reader acts on changed: the wait costs no snapshot write.
    expect(states.summaries.map((s) => s.snapshotWritten)).toEqual([true, false])
  })

  it('caps a Retry-After at an hour', async () => {
    await createBackend('very-slow', 'vllm', fake('vllm', 'script-ok.503r86400', 'ra2'))
    const [, limited, waiting] = await cycles(3, 'very-slow')
    expect(limited).toMatchObject({ status: 'suspect', errorKind: 'bad_status' })
    expect(Date.parse(limited!.retryAfterUntil!) - Date.parse(limited!.checkedAt)).toBe(3_600_000)
    // Not asked meanwhile, it stands on its last answer: a 503 is not reworded as a rate limit.
    expect(waiting).toMatchObject({ status: 'suspect', errorKind: 'bad_status', error: limited!.error })
  })

  it('takes a backend whose key is refused straight to down', async () => {
    await createBackend('revoked', 'vllm', fake('vllm', 'script-ok.401', 'a1'))
    const states = await cycles(2, 'revoked')
    expect(states.map((s) => s.status)).toEqual(['healthy', 'down'])
    expect(states[1]).toMatchObject({ errorKind: 'auth', pulledModels: [] })
  })
})
