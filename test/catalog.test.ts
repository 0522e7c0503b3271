import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { CATALOG_META_KEY } from '../src/catalog/store'
import type { BackendRuntimeState, ModelPullStatus } from '../src/published/types'
import type { z } from 'zod'
import type { catalogStatusSchema } from '../src/http/catalog-schemas'
import { createFixtureFleet } from './fixture-fleet'
import {
  ADMIN,
  READER,
  adminJson,
  call,
  cycleWith,
  fake,
  fakeCalls,
  fetchWith,
  readState,
  resetAll,
  stateOf,
} from './helpers'

beforeEach(resetAll)

const catalogAt = (behaviour: string, id: string) => `${fake('catalog', behaviour, id)}/api.json`
const FIXTURE_DATE_FIELDS = {
  knowledgeCutoff: expect.any(String) as unknown,
  releaseDate: expect.any(String) as unknown,
}

async function served(backend: string, model: string): Promise<ModelPullStatus> {
  const found = (await stateOf(backend)).pulledModels.find((m) => m.model === model)
  if (!found) throw new Error(`${backend} does not serve ${model}`)
  return found
}

describe('the catalog through a full cycle', () => {
  it('gives each provider’s listed models the fixture’s facts, each with its source', async () => {
    await createFixtureFleet('cat')
    const summary = await cycleWith({ env: { CATALOG_URL: catalogAt('ok', 'c1') } })
    expect(summary.catalog).toMatchObject({ outcome: 'updated' })

    // OpenAI lists ids only: everything below comes from models.dev.
    const gpt5 = await served('openai', 'gpt-5')
    expect(gpt5).toMatchObject({
      limits: { context: 400000, input: 272000, output: 128000 },
      capabilities: { tools: true, reasoning: true, vision: true, structuredOutput: true },
      pricing: { input: 1.25, output: 10, cacheRead: 0.125 },
      contextLength: 400000,
      catalog: { id: 'openai/gpt-5' },
      ...FIXTURE_DATE_FIELDS,
    })
    expect(gpt5.sources.limits).toEqual({ context: 'catalog', input: 'catalog', output: 'catalog' })
    expect(gpt5.sources.pricing.input).toBe('catalog')

    // Anthropic's listing states context, output, thinking and image input: the listing wins.
    const sonnet = await served('anthropic', 'claude-sonnet-4-5-20250929')
    expect(sonnet).toMatchObject({ pricing: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 } })
    expect(sonnet.sources.limits.context).toBe('discovered')
    expect(sonnet.sources.capabilities).toMatchObject({
      reasoning: 'discovered',
      vision: 'discovered',
      tools: 'catalog',
    })
    expect(sonnet.capabilities.tools).toBe(true)

    const gemini = await served('gemini', 'models/gemini-2.5-pro')
    expect(gemini).toMatchObject({ catalog: { id: 'google/gemini-2.5-pro' }, capabilities: { tools: true } })
    expect(gemini.sources.capabilities.vision).toBe('catalog')
    expect(gemini.pricing.input).toBe(1.25)

    const mistral = await served('mistral', 'mistral-medium-2508')
    expect(mistral).toMatchObject({ pricing: { input: 0.4, output: 2 }, limits: { output: 262144 } })
    expect(mistral.sources.capabilities.tools).toBe('discovered')

    // OpenRouter's own listing has prices: discovered, and the catalog's only where it says nothing.
    const r1 = await served('openrouter', 'deepseek/deepseek-r1')
    expect(r1.sources.pricing.input).toBe('discovered')
    expect(r1.catalog?.id).toBe('openrouter/deepseek/deepseek-r1')

    // A Bedrock inference profile the catalog lacks gets its foundation model's entry.
    const bedrock = (await stateOf('bedrock')).pulledModels.find((m) => m.model.startsWith('us.meta.llama3-3-70b'))!
    expect(bedrock.catalog?.id).toBe('amazon-bedrock/meta.llama3-3-70b-instruct-v1:0')
    expect(bedrock.limits.context).toBe(128000)

    const vertex = await served('vertex', 'gemini-2.5-flash')
    expect(vertex).toMatchObject({ catalog: { id: 'google-vertex/gemini-2.5-flash' }, limits: { context: 1048576 } })

    // Unmatched models keep what their listing says, and unknown stays unknown.
    const whisper = await served('openai', 'whisper-1')
    expect(whisper).toMatchObject({ catalog: null, limits: { context: null }, pricing: { input: null } })
    const ollama = (await stateOf('ollama')).pulledModels
    expect(ollama.every((m) => m.catalog === null && m.sources.pricing.input === 'unknown')).toBe(true)
  })

  it('matches a self-hosted model through a declared catalogId, and keeps the disagreement', async () => {
    await createFixtureFleet('cid')
    const declared = await adminJson('POST', '/declared-models', {
      model: 'qwen3-8b',
      canChat: true,
      catalogId: 'openrouter/qwen/qwen3-8b',
    })
    expect(declared.status).toBe(201)
    await cycleWith({ env: { CATALOG_URL: catalogAt('ok', 'c2') } })
    const qwen = (await stateOf('vllm')).pulledModels.find((m) => m.model === 'qwen3-8b')!
    expect(qwen).toMatchObject({
      catalog: { id: 'openrouter/qwen/qwen3-8b' },
      limits: { context: 32768, output: 8192 },
      pricing: { input: 0.05, output: 0.4 },
      contextLength: 32768,
    })
    expect(qwen.sources.limits).toMatchObject({ context: 'discovered', output: 'catalog' })
    expect(qwen.conflicts).toContainEqual({ field: 'limits.context', value: 40960, source: 'catalog' })
  })

  it('refuses a catalogId that is not provider/model, naming the field', async () => {
    const response = await adminJson('POST', '/declared-models', { model: 'm', canChat: true, catalogId: 'gpt-4o' })
    expect(response.status).toBe(422)
    expect(await response.json()).toMatchObject({
      error: { param: 'catalogId', message: expect.stringMatching(/provider\/model/) as unknown },
    })
  })
})

describe('a catalog that misbehaves', () => {
  it('answering 500, then garbage, then 60 MB: probes run, the last good catalog stays, its age shows', async () => {
    await createFixtureFleet('bad')
    let clock = Date.parse('2026-12-08T00:00:00Z')
    const now = () => new Date(clock)
    const settings = {
      CATALOG_URL: catalogAt('script-ok.500.junk1.junk60', 'c3'),
      CATALOG_REFRESH_S: '60',
    }
    const first = await cycleWith({ env: settings, now })
    expect(first.catalog?.outcome).toBe('updated')
    const good = await served('openai', 'gpt-5')

    for (const expected of [/answered 500/, /not JSON/, /larger than 8 MiB \(MAX_RESPONSE_BYTES\)/]) {
      clock += 61_000
      const summary = await cycleWith({ env: settings, now })
      expect(summary.outcome).toBe('ok')
      expect(summary.catalog).toMatchObject({ outcome: 'failed', error: expect.stringMatching(expected) as unknown })
      expect(summary.warnings?.join('\n')).toMatch(/refreshing the model catalog/)
      expect((await stateOf('openai')).status).toBe('healthy')
      expect(await served('openai', 'gpt-5')).toMatchObject({
        limits: good.limits,
        pricing: good.pricing,
        catalog: good.catalog,
      })
    }

    const status = await catalogStatus({ CATALOG_URL: settings.CATALOG_URL })
    expect(status).toMatchObject({
      enabled: true,
      error: expect.stringMatching(/larger than/) as unknown,
      confirmedAt: new Date(Date.parse('2026-12-08T00:00:00Z')).toISOString(),
    })
    expect(status.ageSeconds).toBeGreaterThan(0)
    expect(status.providers.map((p) => p.id)).toEqual([
      'amazon-bedrock',
      'anthropic',
      'google',
      'google-vertex',
      'google-vertex-anthropic',
      'mistral',
      'openai',
      'openrouter',
    ])

    const runs = await (await call('/runs', { headers: ADMIN })).json<{ runs: { catalog: unknown }[] }>()
    expect(runs.runs[0]!.catalog).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/larger than/) as unknown,
    })
    expect(runs.runs.at(-1)!.catalog).toMatchObject({ outcome: 'updated' })
  })

  it('after a failed refresh, waits an hour before asking again, whatever it never got', async () => {
    await createFixtureFleet('wait')
    let clock = Date.parse('2026-12-08T00:00:00Z')
    const now = () => new Date(clock)
    const settings = { CATALOG_URL: catalogAt('status-503', 'c7') }
    const catalogCalls = async () => (await fakeCalls('/catalog/status-503/c7/')).length
    expect((await cycleWith({ env: settings, now })).catalog).toMatchObject({ outcome: 'failed' })
    expect(await catalogCalls()).toBe(1)
    clock += 5 * 60_000
    const waiting = await cycleWith({ env: settings, now })
    expect(waiting.catalog).toMatchObject({
      outcome: 'waiting',
      error: expect.stringMatching(/answered 503/) as unknown,
    })
    expect(waiting.outcome).toBe('ok')
    expect(await catalogCalls()).toBe(1)
    clock += 60 * 60_000
    expect((await cycleWith({ env: settings, now })).catalog).toMatchObject({ outcome: 'failed' })
    expect(await catalogCalls()).toBe(2)
  })

  it('publishes nothing when the stored catalog cannot be read, so no catalog value drops for a cycle', async () => {
    await createFixtureFleet('kvdown')
    const settings = { CATALOG_URL: catalogAt('ok', 'c8') }
    await cycleWith({ env: settings })
    const before = await served('openai', 'gpt-5')
    const failingCatalogKv = new Proxy(env.KV, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown
        if (prop !== 'get' || typeof value !== 'function')
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
        return (key: string | string[], ...rest: unknown[]) =>
          Array.isArray(key) && key.some((k) => k.startsWith('catalog:'))
            ? Promise.reject(new Error('KV is having a bad day'))
            : (value as (...args: unknown[]) => unknown).call(target, key, ...rest)
      },
    })
    const summary = await cycleWith({ env: settings, kv: failingCatalogKv })
    expect(summary.outcome).toBe('failed')
    expect(summary.error).toMatch(/reading the stored catalog: KV is having a bad day: nothing was published/)
    expect(await served('openai', 'gpt-5')).toEqual(before)
  })

  it('keeps the last good catalog when a refresh is JSON of the wrong shape, and says where', async () => {
    await createFixtureFleet('shape')
    await cycleWith({ env: { CATALOG_URL: catalogAt('ok', 'c4') } })
    // The same source, a day later, now serving a model without its limits.
    const invalid = `${fake('catalog-invalid', 'ok', 'c4')}/api.json`
    const stored = (await env.KV.get<Record<string, unknown>>(CATALOG_META_KEY, 'json'))!
    await env.KV.put(
      CATALOG_META_KEY,
      JSON.stringify({ ...stored, source: invalid, checkedAt: '2026-01-01T00:00:00Z' }),
    )
    const summary = await cycleWith({ env: { CATALOG_URL: invalid } })
    expect(summary.catalog).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/openai\.models\.gpt-4o\.limit/) as unknown,
    })
    expect((await served('openai', 'gpt-5')).catalog?.id).toBe('openai/gpt-5')
  })

  it('asks again with If-None-Match when due, and on 304 keeps the stored catalog', async () => {
    await createFixtureFleet('etag')
    let clock = Date.parse('2026-12-08T00:00:00Z')
    const now = () => new Date(clock)
    const settings = { CATALOG_URL: catalogAt('ok', 'c5'), CATALOG_REFRESH_S: '60' }
    await cycleWith({ env: settings, now })
    clock += 30_000
    expect((await cycleWith({ env: settings, now })).catalog?.outcome).toBe('fresh')
    clock += 31_000
    const third = await cycleWith({ env: settings, now })
    expect(third.catalog?.outcome).toBe('not_modified')
    expect((await served('openai', 'gpt-5')).catalog?.id).toBe('openai/gpt-5')
  })

  it('turned off (empty CATALOG_URL), fetches nothing and publishes listing facts only', async () => {
    await createFixtureFleet('off')
    const summary = await cycleWith({ env: { CATALOG_URL: '' } })
    expect(summary.catalog).toBeUndefined()
    const gpt5 = await served('openai', 'gpt-5')
    expect(gpt5).toMatchObject({ catalog: null, limits: { context: null, output: 128000 } })
    expect(gpt5.sources.limits.output).toBe('rule')
    expect(await catalogStatus({ CATALOG_URL: '' })).toMatchObject({ enabled: false, source: null, providers: [] })
  })
})

describe('GET /catalog/status and /metrics', () => {
  it('counts matched models per backend type and shows the catalog age', async () => {
    await createFixtureFleet('st')
    const url = catalogAt('ok', 'c6')
    await cycleWith({ env: { CATALOG_URL: url } })
    const status = await catalogStatus({ CATALOG_URL: url })
    const matches = Object.fromEntries(status.matches.map((m) => [m.type, m]))
    const states = await readState<BackendRuntimeState[]>()
    for (const state of states) {
      const type = state.backend.type
      expect(matches[type]).toEqual({
        type,
        models: state.pulledModels.length,
        matched: state.pulledModels.filter((m) => m.catalog !== null).length,
      })
    }
    expect(matches.anthropic?.matched).toBe(6)
    expect(matches.ollama?.matched).toBe(0)
    expect(status.providers.find((p) => p.id === 'openrouter')?.models).toBe(337)

    const metrics = await (await fetchMetrics({ CATALOG_URL: url })).text()
    expect(metrics).toMatch(/^runtimestate_catalog_age_seconds \d+(\.\d+)?$/m)
    expect(metrics).toMatch(/^runtimestate_catalog_refresh_success 1$/m)
  })
})

async function catalogStatus(overrides: Record<string, string>): Promise<z.infer<typeof catalogStatusSchema>> {
  const response = await fetchWith(overrides, '/catalog/status', { headers: READER })
  expect(response.status).toBe(200)
  return response.json()
}

const fetchMetrics = (overrides: Record<string, string>) => fetchWith(overrides, '/metrics', { headers: READER })
