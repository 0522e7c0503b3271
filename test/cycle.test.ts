import { env } from 'cloudflare:workers'
import { desc, eq, sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  backendHealth,
  backends,
  declaredModels,
  providerConfigs,
  reconcileLease,
  reconcileRuns,
} from '../src/db/schema'
import { generateTestKey, testServiceAccount } from './support/vertex-google-key'
import type { BackendRuntimeState } from '../src/published/types'
import {
  FAKE_HOST,
  READER,
  adminJson,
  allKvValues,
  call,
  createBackend,
  fake,
  fakeCalls,
  fakeMaxInFlight,
  readState,
  resetAll,
  runScheduled,
  stateOf,
  withDb,
} from './helpers'

const LITERAL_KEY = 'sk-test-literal-key-1234'
const byName = (states: BackendRuntimeState[]) => Object.fromEntries(states.map((s) => [s.name, s]))
const runs = () => withDb((db) => db.select().from(reconcileRuns).orderBy(desc(reconcileRuns.startedAt)))

beforeEach(resetAll)

describe('one cycle over a mixed fleet', () => {
  it('gives each backend its own state and error, and the healthy ones their models', async () => {
    await createBackend('ollama', 'ollama', fake('ollama', 'ok', 'o1'))
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'v1'))
    const keyed = await createBackend('openai-keyed', 'openai', `${fake('openai', 'ok', 'k1')}/v1`)
    await createBackend('openai-no-key', 'openai', `${fake('openai', 'ok', 'k2')}/v1`)
    await createBackend('nobody-listens', 'vllm', 'http://127.0.0.1:1')
    await createBackend('never-answers', 'vllm', fake('vllm', 'hang', 'h1'))
    await createBackend('unauthorized', 'vllm', fake('vllm', 'status-401', 'u1'))
    await createBackend('malformed', 'vllm', fake('vllm', 'truncated', 'm1'))
    await createBackend('html', 'ollama', fake('ollama', 'html', 'x1'))
    await withDb((db) =>
      db.insert(backends).values({ id: 'legacy', name: 'legacy-modeld', type: 'modeld', baseUrl: 'local' }),
    )
    // A key for one OpenAI backend only: the other has none at all.
    expect(
      (await adminJson('POST', '/providers/openai/configure', { apiKey: LITERAL_KEY, backendId: keyed })).status,
    ).toBe(200)

    const started = Date.now()
    await runScheduled()
    // A deadline check, not a speed measure: a hanging backend would hold the cycle forever.
    expect(Date.now() - started).toBeLessThan(Number(env.PROBE_TIMEOUT_MS) + 5_000)

    const states = byName(await readState<BackendRuntimeState[]>())
    expect(Object.keys(states).sort()).toEqual([
      'html',
      'legacy-modeld',
      'malformed',
      'never-answers',
      'nobody-listens',
      'ollama',
      'openai-keyed',
      'openai-no-key',
      'unauthorized',
      'vllm',
    ])

    expect(states.ollama).toMatchObject({ status: 'healthy', consecutiveFailures: 0 })
    expect(states.ollama!.error).toBeUndefined()
    expect(states.ollama!.models).toEqual(['gemma3:4b', 'llama3.2:latest', 'nomic-embed-text:latest', 'qwen3:8b'])
    expect(states.ollama!.pulledModels.find((m) => m.model === 'qwen3:8b')).toMatchObject({
      contextLength: 40960,
      canChat: true,
      canThink: true,
      canVision: false,
      canEmbed: false,
    })
    expect(states.ollama!.lastSuccessAt).toBe(states.ollama!.checkedAt)

    expect(states.vllm).toMatchObject({ status: 'healthy', models: ['qwen3-8b', 'sql-lora'] })
    expect(states['openai-keyed']).toMatchObject({ status: 'healthy' })
    expect(states['openai-keyed']!.models).toContain('gpt-5')

    expect(states['openai-no-key']).toMatchObject({
      status: 'unconfigured',
      error: 'API key not configured',
      errorKind: 'unconfigured',
      pulledModels: [],
      models: [],
    })
    expect(await fakeCalls('/openai/ok/k2')).toEqual([])

    expect(states['nobody-listens']).toMatchObject({ status: 'down', errorKind: 'network', consecutiveFailures: 1 })
    expect(states['nobody-listens']!.error).toMatch(/^vLLM catalog unreachable: /)
    expect(states['never-answers']).toMatchObject({
      status: 'down',
      errorKind: 'timeout',
      error: `vLLM did not answer within ${env.PROBE_TIMEOUT_MS} ms`,
    })
    expect(states.unauthorized).toMatchObject({
      status: 'down',
      errorKind: 'auth',
      error: 'vLLM catalog returned 401: Unauthorized',
    })
    expect(states.malformed).toMatchObject({ status: 'down', errorKind: 'bad_payload' })
    expect(states.malformed!.error).toMatch(/^decode vLLM catalog response: /)
    expect(states.html).toMatchObject({ status: 'down', errorKind: 'bad_payload' })
    expect(states.html!.error).toMatch(/^decode ollama API response: /)
    expect(states['legacy-modeld']).toMatchObject({
      status: 'unsupported',
      error: 'Unsupported backend type: modeld',
      pulledModels: [],
    })
    for (const state of Object.values(states)) expect(state.lastSuccessAt === null).toBe(state.error !== undefined)

    const [run] = await runs()
    expect(run).toMatchObject({
      outcome: 'ok',
      trigger: 'cron',
      backendsTotal: 10,
      backendsHealthy: 3,
      backendsFailed: 7,
      snapshotWritten: true,
    })
    expect(run!.finishedAt).not.toBeNull()
  })

  it('counts consecutive failures and remembers the last success, without a KV write per failing cycle', async () => {
    const id = await createBackend('flaky', 'vllm', fake('vllm', 'ok', 'f1'))
    await runScheduled()
    const [healthy] = await readState<BackendRuntimeState[]>()
    await withDb((db) => db.update(backends).set({ baseUrl: fake('vllm', 'status-500', 'f1') }))
    await runScheduled()
    const [failing] = await readState<BackendRuntimeState[]>()
    expect(failing).toMatchObject({ status: 'down', errorKind: 'bad_status', consecutiveFailures: 1 })
    expect(failing!.lastSuccessAt).toBe(healthy!.lastSuccessAt)
    expect((await runs())[0]).toMatchObject({ snapshotWritten: true })

    // Still down: the history moves on in Postgres, the published snapshot is not rewritten.
    await runScheduled()
    expect((await runs())[0]).toMatchObject({ outcome: 'ok', snapshotWritten: false })
    const health = await withDb((db) => db.select().from(backendHealth).where(eq(backendHealth.backendId, id)))
    expect(health).toMatchObject([{ consecutiveFailures: 2 }])
    expect(health[0]!.lastSuccessAt!.toISOString()).toBe(healthy!.lastSuccessAt)
  })

  it('skips /api/show when Ollama ≥ 0.30 lists capabilities with the tags', async () => {
    await createBackend('new-ollama', 'ollama', fake('ollama-caps', 'ok', 'c1'))
    await runScheduled()
    const [state] = await readState<BackendRuntimeState[]>()
    expect(state).toMatchObject({ status: 'healthy' })
    expect(state!.pulledModels.find((m) => m.model === 'gemma3:4b')).toMatchObject({
      canVision: true,
      contextLength: 131072,
    })
    expect((await fakeCalls('/ollama-caps/ok/c1')).map((c) => c.path)).toEqual(['/ollama-caps/ok/c1/api/tags'])
  })

  it('asks /api/show once per model digest, not every cycle', async () => {
    await createBackend('ollama', 'ollama', fake('ollama', 'ok', 'dg1'))
    await runScheduled()
    const shows = async () => (await fakeCalls('/ollama/ok/dg1/api/show')).length
    expect(await shows()).toBe(4)
    const first = await stateOf('ollama')
    await runScheduled()
    expect(await shows()).toBe(4)
    expect((await stateOf('ollama')).pulledModels).toEqual(first.pulledModels)
  })

  it('lists a slow old Ollama before the deadline, with the details it could not read left for later', async () => {
    await createBackend('slow', 'ollama', fake('ollama', 'delay-400', 'sl1'))
    await runScheduled()
    const state = await stateOf('slow')
    expect(state).toMatchObject({ status: 'degraded' })
    expect(state.error).toBeUndefined()
    expect(state.models).toHaveLength(4)
    expect(state.warnings!.join('\n')).toMatch(/probe deadline|probe timeout/)
  })

  it('keeps a model whose /api/show failed, and calls the backend degraded', async () => {
    await createBackend('partial', 'ollama', fake('ollama-partial', 'ok', 'p1'))
    await runScheduled()
    const [state] = await readState<BackendRuntimeState[]>()
    expect(state).toMatchObject({
      status: 'degraded',
      warnings: ["ollama /api/show for gemma3:4b failed: ollama API returned 404: model 'gemma3:4b' not found"],
    })
    expect(state!.error).toBeUndefined()
    expect(state!.pulledModels.find((m) => m.model === 'gemma3:4b')).toMatchObject({ canChat: false, contextLength: 0 })
    expect(state!.models).toHaveLength(4)
  })

  it('sends the vLLM bearer token when one is configured', async () => {
    await createBackend('guarded', 'vllm', fake('vllm', 'bearer-sk-test-vllm-token', 'g1'))
    await runScheduled()
    expect((await readState<BackendRuntimeState[]>())[0]).toMatchObject({ status: 'down', errorKind: 'auth' })
    await adminJson('POST', '/providers/vllm/configure', { hosts: [FAKE_HOST], apiKey: 'sk-test-vllm-token' })
    await runScheduled()
    expect((await readState<BackendRuntimeState[]>())[0]).toMatchObject({ status: 'healthy' })
  })

  it('follows OpenAI pagination to the last page', async () => {
    await createBackend('paged', 'openai', `${fake('openai-paged', 'ok', 'p1')}/v1`)
    await adminJson('POST', '/providers/openai/configure', { hosts: [FAKE_HOST], apiKeyEnv: 'OPENAI_KEY_FROM_ENV' })
    await runScheduled()
    const [state] = await readState<BackendRuntimeState[]>()
    expect(state!.models).toHaveLength(9)
    expect(await fakeCalls('/openai-paged/ok/p1')).toHaveLength(3)
  })

  it('fails the backend, never lists part of it, when a later OpenAI page fails', async () => {
    await createBackend('paged', 'openai', `${fake('openai-page2-fails', 'ok', 'p2')}/v1`)
    await adminJson('POST', '/providers/openai/configure', { hosts: [FAKE_HOST], apiKeyEnv: 'OPENAI_KEY_FROM_ENV' })
    await runScheduled()
    const [state] = await readState<BackendRuntimeState[]>()
    expect(state).toMatchObject({ status: 'down', errorKind: 'bad_status', pulledModels: [], models: [] })
    expect(state!.error).toMatch(/^OpenAI catalog returned 500: /)
    expect(await fakeCalls('/openai-page2-fails/ok/p2')).toHaveLength(2)
  })
})

describe('declared models', () => {
  it('filter vLLM and OpenAI with auto discovery off, and learn a context without touching flags', async () => {
    await withDb((db) =>
      db.insert(declaredModels).values([
        { id: 'dm-qwen', model: 'qwen3-8b', canChat: true },
        { id: 'dm-llama', model: 'llama3.2:latest', canEmbed: true },
      ]),
    )
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'dm1'))
    await createBackend('ollama', 'ollama', fake('ollama', 'ok', 'dm2'))
    await createBackend('openai', 'openai', `${fake('openai', 'ok', 'dm3')}/v1`)
    await adminJson('POST', '/providers/openai/configure', { hosts: [FAKE_HOST], apiKey: LITERAL_KEY })
    await runScheduled({ AUTO_DISCOVER: 'false' })

    const states = byName(await readState<BackendRuntimeState[]>())
    expect(states.vllm!.pulledModels).toMatchObject([
      { name: 'dm-qwen', model: 'qwen3-8b', contextLength: 32768, canChat: true, canStream: false },
    ])
    expect(states.ollama!.models).toHaveLength(4)
    expect(states.ollama!.pulledModels.find((m) => m.model === 'llama3.2:latest')).toMatchObject({
      canEmbed: true,
      canChat: true,
      contextLength: 131072,
    })
    expect(states.openai).toMatchObject({ status: 'degraded', errorKind: 'no_declared_models', pulledModels: [] })
    expect(states.openai!.error).toMatch(
      /^None of the declared models are available in the OpenAI API: declared models: llama3\.2:dm-llama llama3\.2:latest, qwen3-8b:dm-qwen qwen3-8b \navailable models \[gpt-5 gpt-4o /,
    )

    const stored = await withDb((db) => db.select().from(declaredModels).orderBy(declaredModels.id))
    expect(stored).toMatchObject([
      { id: 'dm-llama', contextLength: 131072, canEmbed: true, canChat: false, canPrompt: false, canStream: false },
      { id: 'dm-qwen', contextLength: 32768, canChat: true, canEmbed: false, canPrompt: false, canStream: false },
    ])
  })
})

describe('bounded concurrency', () => {
  // Local workerd does not enforce production's 6 connections, so the bound is ours to keep.
  it.each([
    ['1', 1],
    ['3', 3],
    ['20', 6],
  ])('keeps at most PROBE_CONCURRENCY=%s probes in flight (%i)', async (setting, expected) => {
    for (let i = 0; i < 8; i++) await createBackend(`slow-${i}`, 'vllm', fake('vllm', 'delay-100', `c${i}`))
    await runScheduled({ PROBE_CONCURRENCY: setting })
    expect(await fakeMaxInFlight()).toBe(expected)
    expect((await readState<BackendRuntimeState[]>()).every((s) => s.status === 'healthy')).toBe(true)
  })

  it('lets healthy backends finish while others hang', async () => {
    await createBackend('hang-1', 'vllm', fake('vllm', 'hang', 'g1'))
    await createBackend('hang-2', 'vllm', fake('vllm', 'hang', 'g2'))
    await createBackend('fine', 'vllm', fake('vllm', 'ok', 'g3'))
    await runScheduled({ PROBE_CONCURRENCY: '1' })
    const states = byName(await readState<BackendRuntimeState[]>())
    expect(states.fine).toMatchObject({ status: 'healthy' })
    expect(states['hang-1']).toMatchObject({ errorKind: 'timeout' })
    expect(states['hang-2']).toMatchObject({ errorKind: 'timeout' })
  })
})

describe('the model-list cache', () => {
  it('serves a second cycle without calling OpenAI, and misses when the key changes', async () => {
    const id = await createBackend('openai', 'openai', `${fake('openai', 'ok', 'c1')}/v1`)
    await adminJson('POST', '/providers/openai/configure', { hosts: [FAKE_HOST], apiKey: LITERAL_KEY })
    await runScheduled()
    expect(await fakeCalls('/openai/ok/c1')).toHaveLength(1)

    const refresh = await adminJson('POST', '/setup/refresh')
    expect(await refresh.json()).toMatchObject({ outcome: 'ok', cacheHits: 1, byStatus: { healthy: 1 } })
    expect(await fakeCalls('/openai/ok/c1')).toHaveLength(1)

    const cached = JSON.parse((await env.KV.get(`prov:${id}`))!) as { fingerprint: string; models: unknown[] }
    expect(cached.models).toHaveLength(9)
    expect(cached.fingerprint).toMatch(/^[0-9a-f]{64}$/)

    await adminJson('POST', '/providers/openai/configure', {
      hosts: [FAKE_HOST],
      apiKey: 'sk-test-rotated-key-5678',
      upsert: true,
    })
    await runScheduled()
    expect(await fakeCalls('/openai/ok/c1')).toHaveLength(2)
  })

  it('serves the cached listing with its warnings, so a degraded backend stays degraded', async () => {
    // The vertex-noproject fake refuses x-goog-user-project (USER_PROJECT_DENIED): a warning.
    const key = await generateTestKey()
    const serviceAccount = testServiceAccount(key, `${fake('vertex', 'ok', 'tok-cw')}/token/${key.publicSpki}`)
    const base = `${fake('vertex-noproject', 'ok', 'vx-cw')}/v1/projects/rs-test-project/locations/us-central1`
    const id = await createBackend('vertex', 'vertex-google', base)
    await adminJson('POST', '/providers/vertex-google/configure', { hosts: [FAKE_HOST], apiKey: serviceAccount })
    await runScheduled()
    const fresh = await stateOf('vertex')
    expect(fresh.status).toBe('degraded')
    expect(fresh.warnings).toEqual([expect.stringContaining('USER_PROJECT_DENIED')])
    const listCalls = (await fakeCalls('/vertex-noproject/ok/vx-cw/')).length
    const cachedEntry = JSON.parse((await env.KV.get(`prov:${id}`))!) as { warnings?: string[] }
    expect(cachedEntry.warnings).toEqual(fresh.warnings)

    const refresh = await adminJson('POST', '/setup/refresh')
    expect(await refresh.json()).toMatchObject({ outcome: 'ok', cacheHits: 1, byStatus: { degraded: 1 } })
    expect(await fakeCalls('/vertex-noproject/ok/vx-cw/')).toHaveLength(listCalls)
    const served = await stateOf('vertex')
    expect(served.status).toBe('degraded')
    expect(served.warnings).toEqual(fresh.warnings)
  })

  it('misses when the backend moves to another base URL', async () => {
    await createBackend('openai', 'openai', `${fake('openai', 'ok', 'm1')}/v1`)
    await adminJson('POST', '/providers/openai/configure', { hosts: [FAKE_HOST], apiKey: LITERAL_KEY })
    await runScheduled()
    await withDb((db) => db.update(backends).set({ baseUrl: `${fake('openai', 'ok', 'm2')}/v1` }))
    await runScheduled()
    expect(await fakeCalls('/openai/ok/m2')).toHaveLength(1)
  })
})

describe('what the snapshot keeps and drops', () => {
  it('drops a deleted backend from the next snapshot', async () => {
    const keep = await createBackend('keep', 'vllm', fake('vllm', 'ok', 'd1'))
    const drop = await createBackend('drop', 'openai', `${fake('openai', 'ok', 'd2')}/v1`)
    await adminJson('POST', '/providers/openai/configure', { hosts: [FAKE_HOST], apiKey: LITERAL_KEY })
    await runScheduled()
    expect((await readState<BackendRuntimeState[]>()).map((s) => s.id).sort()).toEqual([keep, drop].sort())
    expect(await env.KV.get(`prov:${drop}`)).not.toBeNull()

    expect((await adminJson('DELETE', `/backends/${drop}`)).status).toBe(200)
    expect(await env.KV.get(`prov:${drop}`)).toBeNull()
    await runScheduled()
    expect((await readState<BackendRuntimeState[]>()).map((s) => s.id)).toEqual([keep])
    expect((await call(`/state/${drop}`, { headers: READER })).status).toBe(404)
  })

  it('leaves the last snapshot untouched and records the failure when the database is down', async () => {
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'db1'))
    await runScheduled()
    const before = await call('/state', { headers: READER })
    const body = await before.text()

    await runScheduled({ NEON_WS_PROXY: '127.0.0.1:1' })

    const after = await call('/state', { headers: READER })
    expect(after.headers.get('ETag')).toBe(before.headers.get('ETag'))
    expect(await after.text()).toBe(body)
    const unrecorded = JSON.parse((await env.KV.get('runs:last-unrecorded'))!) as { outcome: string; error: string }
    expect(unrecorded.outcome).toBe('failed')
    expect(unrecorded.error).toMatch(/^database unavailable: /)
  })

  it('records a failed run and keeps the snapshot when the declared state cannot be loaded', async () => {
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'ld1'))
    await runScheduled()
    const before = await call('/state', { headers: READER })
    await withDb((db) => db.execute(sql`alter table capability_overrides rename to capability_overrides_away`))
    try {
      await runScheduled()
    } finally {
      await withDb((db) => db.execute(sql`alter table capability_overrides_away rename to capability_overrides`))
    }
    const [failed] = await runs()
    expect(failed).toMatchObject({ outcome: 'failed' })
    expect(failed!.error).toMatch(/^loading declared state: .*capability_overrides/)
    expect(failed!.finishedAt).not.toBeNull()
    expect((await call('/state', { headers: READER })).headers.get('ETag')).toBe(before.headers.get('ETag'))
    // The lease was released: the next cycle runs.
    await runScheduled()
    expect((await runs())[0]).toMatchObject({ outcome: 'ok' })
  })

  it('writes the snapshot only when it changed', async () => {
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'w1'))
    await runScheduled()
    const first = await call('/state', { headers: READER })
    await runScheduled()
    expect((await runs())[0]).toMatchObject({ outcome: 'ok', snapshotWritten: false })
    expect((await call('/state', { headers: READER })).headers.get('ETag')).toBe(first.headers.get('ETag'))

    await createBackend('second', 'vllm', fake('vllm', 'ok', 'w2'))
    await runScheduled()
    expect((await runs())[0]).toMatchObject({ outcome: 'ok', snapshotWritten: true })
  })

  it('rewrites an unchanged snapshot once the heartbeat is due', async () => {
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'hb1'))
    await runScheduled()
    const meta = JSON.parse((await env.KV.get('snapshot:meta'))!) as { writtenAt: string }
    await env.KV.put('snapshot:meta', JSON.stringify({ ...meta, writtenAt: '2000-01-01T00:00:00.000Z' }))
    await runScheduled()
    expect((await runs())[0]).toMatchObject({ snapshotWritten: true })
  })
})

describe('the cycle lease', () => {
  it('runs one cycle when two invocations overlap', async () => {
    await createBackend('slow', 'vllm', fake('vllm', 'delay-300', 's1'))
    await Promise.all([runScheduled(), runScheduled()])
    const recorded = await runs()
    expect(recorded).toHaveLength(1)
    expect(recorded[0]).toMatchObject({ outcome: 'ok' })
    expect(await fakeCalls('/vllm/delay-300/s1')).toHaveLength(1)
  })

  it('skips while a live lease is held and takes over an expired one', async () => {
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'l1'))
    await withDb((db) =>
      db
        .insert(reconcileLease)
        .values({ name: 'reconcile', runId: 'other', expiresAt: sql`now() + interval '1 minute'` }),
    )
    await runScheduled()
    expect(await runs()).toHaveLength(0)

    await withDb((db) => db.update(reconcileLease).set({ expiresAt: sql`now() - interval '1 second'` }))
    await runScheduled()
    expect(await runs()).toHaveLength(1)
  })
})

describe('secrets', () => {
  it("never sends one of the service's own secrets as a provider key", async () => {
    await createBackend('openai', 'openai', `${fake('openai', 'ok', 'rs1')}/v1`)
    await withDb((db) =>
      db
        .insert(providerConfigs)
        .values({ scope: 'openai', type: 'openai', apiKeyEnv: 'DATABASE_URL', hosts: [FAKE_HOST] }),
    )
    await runScheduled()
    const [state] = await readState<BackendRuntimeState[]>()
    expect(state).toMatchObject({ status: 'unconfigured', errorKind: 'unconfigured' })
    expect(state!.error).toContain("apiKeyEnv names DATABASE_URL, one of this service's own settings")
    expect(await fakeCalls('/openai/ok/rs1')).toEqual([])
  })

  it('never puts a credential in /state or in KV', async () => {
    const id = await createBackend('openai', 'openai', `${fake('openai', 'status-401', 's1')}/v1`)
    await createBackend('openai-ok', 'openai', `${fake('openai', 'ok', 's2')}/v1`)
    await adminJson('POST', '/providers/openai/configure', { hosts: [FAKE_HOST], apiKey: LITERAL_KEY })
    await adminJson('POST', '/providers/openai/configure', { apiKeyEnv: 'OPENAI_KEY_FROM_ENV', backendId: id })
    await runScheduled()

    const state = await (await call('/state', { headers: READER })).text()
    const one = await (await call(`/state/${id}`, { headers: READER })).text()
    const kv = (await allKvValues()).join('\n')
    expect(kv).toContain('prov:')
    for (const secret of [LITERAL_KEY, env.OPENAI_KEY_FROM_ENV]) {
      expect(state).not.toContain(secret)
      expect(one).not.toContain(secret)
      expect(kv).not.toContain(secret)
    }
    const stored = await withDb((db) => db.execute(sql`select api_key_ciphertext from provider_configs`))
    expect(JSON.stringify(stored.rows)).not.toContain(LITERAL_KEY)
  })
})
