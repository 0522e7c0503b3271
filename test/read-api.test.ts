import { beforeEach, describe, expect, it } from 'vitest'
import { capabilityOverrides, declaredModels, groupBackends, groupModels, groups } from '../src/db/schema'
import type { BackendRuntimeState } from '../src/published/types'
import { type FactFilter, factsMatch } from '../src/views/fact-filter'
import { type MergedModel, mergedModels } from '../src/views/models'
import { type ProviderEntry, providersFromSnapshot } from '../src/views/providers'
import {
  FAKE_HOST,
  READER,
  adminJson,
  call,
  createBackend,
  fake,
  fakeCalls,
  readState,
  resetAll,
  runScheduled,
  withDb,
} from './helpers'

beforeEach(resetAll)

const get = async <T>(path: string) => {
  const response = await call(path, { headers: READER })
  expect(response.status).toBe(200)
  return (await response.json()) as T
}

async function mixedFleet() {
  // The operator says nomic has an 8k window; Ollama's own model_info says 2k.
  await withDb((db) =>
    db
      .insert(declaredModels)
      .values({ id: 'nomic', model: 'nomic-embed-text:latest', canEmbed: true, contextLength: 8192 }),
  )
  const ids = {
    ollamaA: await createBackend('ollama-a', 'ollama', fake('ollama', 'ok', 'mf1')),
    ollamaB: await createBackend('ollama-b', 'ollama', fake('ollama-caps', 'ok', 'mf2')),
    ollamaDown: await createBackend('ollama-down', 'ollama', fake('ollama', 'status-500', 'mf3')),
    vllm: await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'mf4')),
    openai: await createBackend('openai', 'openai', `${fake('openai', 'ok', 'mf5')}/v1`),
  }
  await adminJson('POST', '/providers/openai/configure', { hosts: [FAKE_HOST], apiKey: 'sk-test-fleet-0000' })
  await runScheduled()
  return ids
}

describe('GET /providers', () => {
  it('answers "embed on Ollama with 2k context" from what Ollama reports, the declared 8k kept as a conflict', async () => {
    const ids = await mixedFleet()
    // The listing outranks a declaration: nothing is usable at 8k, whatever the operator declared.
    expect(await get<ProviderEntry[]>('/providers?type=ollama&capability=embed&minContext=8192')).toEqual([])
    const entries = await get<ProviderEntry[]>('/providers?type=ollama&capability=embed&minContext=2048')
    expect(entries.map((e) => [e.backendId, e.model, e.contextLength]).sort()).toEqual(
      [
        [ids.ollamaA, 'nomic-embed-text:latest', 2048],
        [ids.ollamaB, 'nomic-embed-text:latest', 2048],
      ].sort(),
    )
    for (const entry of entries) {
      expect(entry.sources.limits.context).toBe('discovered')
      expect(entry.conflicts).toContainEqual({ field: 'limits.context', value: 8192, source: 'declared' })
    }
    expect(entries[0]).toMatchObject({
      type: 'ollama',
      canEmbed: true,
      canChat: false,
      baseUrl: expect.stringContaining('/ollama') as unknown,
    })
  })

  it('lists every model of every usable backend without a filter, and nothing for an unknown type', async () => {
    const ids = await mixedFleet()
    const all = await get<ProviderEntry[]>('/providers')
    expect(all).toHaveLength(4 + 4 + 2 + 9)
    expect(all.some((e) => e.backendId === ids.ollamaDown)).toBe(false)
    expect(await get('/providers?type=anthropic-ish')).toEqual([])
    const twice = await get<ProviderEntry[]>('/providers?type=vllm&type=VLLM&type=openai')
    expect(twice).toHaveLength(2 + 9)
    const thinkers = await get<ProviderEntry[]>('/providers?capability=chat&capability=think')
    expect(thinkers.map((e) => e.model).sort()).toEqual(['qwen3:8b', 'qwen3:8b'])
  })

  it('names a bad filter', async () => {
    const bad = await call('/providers?capability=fly', { headers: READER })
    expect(bad.status).toBe(422)
    expect(await bad.json()).toMatchObject({ error: { param: 'capability.0' } })
    expect((await call('/providers?minContext=lots', { headers: READER })).status).toBe(422)
  })

  it.each([
    ['tools=yes', 'tools', 'tools must be true or false'],
    ['vision=1', 'vision', 'vision must be true or false'],
    ['reasoning=', 'reasoning', 'reasoning must be true or false'],
    ['minContext=-1', 'minContext', 'minContext must be at least 0'],
    ['minOutput=1.5', 'minOutput', 'minOutput must be a whole number'],
    ['maxInputPrice=cheap', 'maxInputPrice', 'maxInputPrice must be a number (USD per million tokens)'],
    ['maxOutputPrice=-2', 'maxOutputPrice', 'maxOutputPrice must be at least 0'],
    [
      'inputModality=im@ge',
      'inputModality',
      'inputModality must be a modality name such as text, image, audio, video or pdf',
    ],
  ])('answers %s with a 422 naming the field, on /providers and /models', async (query, param, message) => {
    for (const route of ['/providers', '/models']) {
      const response = await call(`${route}?${query}`, { headers: READER })
      expect(response.status, route).toBe(422)
      expect(await response.json()).toEqual({
        error: { message: `${param}: ${message}`, type: 'invalid_request_error', code: 'invalid_field', param },
      })
    }
  })

  it('filters on the published facts as a full scan of /state does, an unknown fact satisfying no condition', async () => {
    const ids = await mixedFleet()
    const state = await readState<BackendRuntimeState[]>()
    const queries: [string, FactFilter][] = [
      ['tools=true', { tools: true }],
      ['tools=false&type=ollama', { tools: false }],
      ['vision=true&minOutput=100000', { vision: true, minOutput: 100000 }],
      ['reasoning=false&minContext=100000', { reasoning: false, minContext: 100000 }],
      ['maxInputPrice=100', { maxInputPrice: 100 }],
      ['maxOutputPrice=0', { maxOutputPrice: 0 }],
      ['inputModality=TEXT', { inputModality: 'text' }],
    ]
    for (const [query, facts] of queries) {
      const types = query.includes('type=ollama') ? ['ollama'] : []
      const entries = await get<ProviderEntry[]>(`/providers?${query}`)
      expect(entries, query).toEqual(providersFromSnapshot(state, { types, capabilities: [], ...facts }))
      if (types.length === 0) {
        const models = await get<MergedModel[]>(`/models?${query}`)
        expect(models, query).toEqual(mergedModels(state).filter((m) => factsMatch(facts, m)))
      }
    }
    // Ollama says which of its models call tools; vLLM does not, so none of its models is either.
    const tools = await get<ProviderEntry[]>('/providers?tools=true')
    expect(tools.map((e) => [e.backendId, e.model])).toContainEqual([ids.ollamaB, 'llama3.2:latest'])
    expect(tools.every((e) => e.capabilities.tools === true)).toBe(true)
    expect(await get('/providers?type=vllm&tools=false')).toEqual([])
    expect(await get('/providers?maxInputPrice=1000000')).toEqual([])
  })

  it('revalidates with an ETag per query', async () => {
    await mixedFleet()
    const first = await call('/providers?type=vllm', { headers: READER })
    const etag = first.headers.get('ETag')!
    expect((await call('/providers?type=vllm', { headers: { ...READER, 'If-None-Match': etag } })).status).toBe(304)
    const other = await call('/providers?type=openai', { headers: { ...READER, 'If-None-Match': etag } })
    expect(other.status).toBe(200)
  })
})

describe('GET /models and GET /v1/models', () => {
  it('merges models across backends, sorted, with the largest context and OR-ed flags', async () => {
    await mixedFleet()
    const models = await get<{ id: string; contextLength: number; canEmbed: boolean }[]>('/models')
    expect(models.map((m) => m.id)).toEqual([...models.map((m) => m.id)].sort())
    expect(models.filter((m) => m.id === 'nomic-embed-text:latest')).toEqual([
      {
        id: 'nomic-embed-text:latest',
        model: 'nomic-embed-text:latest',
        contextLength: 2048,
        canChat: false,
        canEmbed: true,
        canPrompt: false,
        canStream: false,
        limits: { context: 2048, input: null, output: null },
        capabilities: { tools: false, reasoning: false, vision: false, structuredOutput: null, attachments: null },
        modalities: { input: null, output: null },
        pricing: { input: null, output: null, cacheRead: null, cacheWrite: null },
      },
    ])
    expect(await get<unknown[]>('/models?limit=2')).toHaveLength(2)
  })

  it.each([
    ['/models?limit=abc', 'limit: limit must be a whole number'],
    ['/models?limit=0', 'limit: limit must be at least 1'],
    ['/v1/models?limit=x', 'limit: limit must be a whole number'],
    ['/v1/models?limit=2.5', 'limit: limit must be a whole number'],
  ])('refuses %s with a 422 naming limit, as every route that takes one', async (path, message) => {
    const response = await call(path, { headers: READER })
    expect(response.status).toBe(422)
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_field', message, param: 'limit' } })
  })

  it('answers the OpenAI list shape', async () => {
    await mixedFleet()
    const list = await get<{
      object: string
      data: { id: string; object: string; created: number; owned_by: string }[]
    }>('/v1/models')
    expect(list.object).toBe('list')
    expect(list.data.map((m) => m.id)).toContain('gpt-5')
    expect(list.data[0]).toMatchObject({ object: 'model', owned_by: 'runtime', created: expect.any(Number) as unknown })
    // OpenRouter's context_length where a backend knows it; no pricing where none does.
    const byId = new Map(list.data.map((m) => [m.id, m]))
    expect(byId.get('qwen3:8b')).toMatchObject({ context_length: expect.any(Number) as unknown })
    expect(byId.get('gpt-4')).not.toHaveProperty('context_length')
    expect(list.data.some((m) => 'pricing' in m)).toBe(false)
  })
})

describe('group-aware reconcile', () => {
  it('probes only grouped backends, each against its groups models', async () => {
    const grouped = await createBackend('grouped', 'vllm', fake('vllm', 'ok', 'gr1'))
    await createBackend('loner', 'vllm', fake('vllm', 'ok', 'gr2'))
    await withDb(async (db) => {
      await db.insert(declaredModels).values([
        { id: 'm-qwen', model: 'qwen3-8b', canChat: true },
        { id: 'm-other', model: 'sql-lora', canChat: true },
      ])
      await db.insert(groups).values({ id: 'g', name: 'Chat', purposeType: 'Internal Chat' })
      await db.insert(groupBackends).values({ groupId: 'g', backendId: grouped })
      await db.insert(groupModels).values({ groupId: 'g', modelId: 'm-qwen' })
    })
    await runScheduled({ GROUPS: 'true', AUTO_DISCOVER: 'false' })
    const states = await readState<BackendRuntimeState[]>()
    expect(states.map((s) => s.name)).toEqual(['grouped'])
    expect(states[0]!.models).toEqual(['qwen3-8b'])
    expect(await fakeCalls('/vllm/ok/gr2')).toEqual([])
  })
})

describe('capability overrides', () => {
  it('flip think and vision on the models they name', async () => {
    await createBackend('ollama', 'ollama', fake('ollama', 'ok', 'ov1'))
    await withDb((db) =>
      db.insert(capabilityOverrides).values([
        { provider: 'ollama', model: 'qwen3:8b', canThink: false, canVision: true },
        { provider: 'ollama', model: 'llama3.2:latest', canThink: true },
      ]),
    )
    await runScheduled()
    const [state] = await readState<BackendRuntimeState[]>()
    const byModel = Object.fromEntries(state!.pulledModels.map((m) => [m.model, m]))
    expect(byModel['qwen3:8b']).toMatchObject({ canThink: false, canVision: true })
    expect(byModel['llama3.2:latest']).toMatchObject({ canThink: true, canVision: false })
    expect(byModel['gemma3:4b']).toMatchObject({ canThink: false, canVision: true })
  })
})
