import { gunzipSync } from 'node:zlib'
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { SnapshotReader } from '../src/kv/snapshot-reader'
import { SnapshotPublisher, type SnapshotPublisherOptions } from '../src/reconcile/publish-snapshot'
import { fullState, providerList } from '../src/http/snapshot-bodies'
import { backendState, servedModel } from './support/published'
import type { BackendRuntimeState } from '../src/published/types'
import { type FactFilter, factsMatch } from '../src/views/fact-filter'
import { mergedModels } from '../src/views/models'
import { openAIModelList } from '../src/views/openai-models'
import { providerQuery, providersFromSnapshot } from '../src/views/providers'
import { READER, call, fetchWith, resetAll, spyingKv } from './helpers'

beforeEach(resetAll)

/**
 * A fleet whose bytes are new to this isolate: stored values are named by their bytes and kept in
 * memory, so a test that removes one from KV must use content no earlier test read.
 */
function states(count: number, models = 0): BackendRuntimeState[] {
  const baseUrl = `http://x/${crypto.randomUUID()}`
  const pulledModels = Array.from({ length: models }, (_, j) =>
    servedModel(`m${j}`, { contextLength: 4096 << (j % 6), canChat: j % 3 !== 0, canEmbed: j % 3 === 0 }),
  )
  return Array.from({ length: count }, (_, i) => {
    const state = backendState(`b${i}`, { name: `backend-${String(i).padStart(3, '0')}`, pulledModels })
    return { ...state, backend: { ...state.backend, baseUrl } }
  })
}

/**
 * A fleet whose models know different facts: cloud backends with prices, tools, vision and
 * modalities, self-hosted ones with a context length at most; `ids` distinct model ids in all.
 */
function pricedStates(count: number, ids: number): BackendRuntimeState[] {
  const tag = crypto.randomUUID().slice(0, 8)
  return states(count).map((state, i) => {
    const cloud = i % 3 !== 0
    const pulledModels = Array.from({ length: Math.ceil(ids / count) + 2 }, (_, k) => {
      const j = (i * Math.ceil(ids / count) + k) % ids
      const id = `m${String(j).padStart(5, '0')}-${tag}`
      return servedModel(id, {
        contextLength: cloud ? 8192 << (j % 5) : 0,
        maxOutputTokens: cloud ? 4096 * (j % 3) : 0,
        tools: cloud ? j % 4 === 0 : null,
        canVision: cloud && j % 2 === 0,
        ...(cloud
          ? {
              pricing: {
                input: (j % 7) + i / 10,
                output: 4 * (j % 7),
                cacheRead: j % 2 ? 0.1 : null,
                cacheWrite: null,
              },
              modalities: { input: j % 2 === 0 ? ['image', 'text'] : ['text'], output: ['text'] },
            }
          : {}),
      })
    })
    return { ...state, backend: { ...state.backend, type: cloud ? 'openai' : 'vllm' }, pulledModels }
  })
}

const FILTERS: [string, FactFilter][] = [
  ['tools=true', { tools: true }],
  ['tools=false&vision=true', { tools: false, vision: true }],
  ['reasoning=true', { reasoning: true }],
  ['minContext=32768&maxInputPrice=3', { minContext: 32768, maxInputPrice: 3 }],
  ['minOutput=8192&maxOutputPrice=12', { minOutput: 8192, maxOutputPrice: 12 }],
  ['inputModality=image&maxInputPrice=0', { inputModality: 'image', maxInputPrice: 0 }],
  ['minContext=0', {}],
]

async function publish(fleet: BackendRuntimeState[], backendsPerShard = 2, options: SnapshotPublisherOptions = {}) {
  const store = new SnapshotPublisher(env.KV, { backendsPerShard, ...options })
  const previous = await store.readMeta()
  const { meta } = await store.publish({ backends: fleet }, previous, { now: new Date(), heartbeatSeconds: 900 })
  return meta!
}

async function expectUnavailable(response: Response) {
  expect(response.status).toBe(503)
  expect(response.headers.get('Retry-After')).toBe('5')
  expect(response.headers.get('ETag')).toBeNull()
  expect(await response.json()).toEqual({
    error: {
      message: 'the snapshot is being republished; retry shortly',
      type: 'unavailable_error',
      code: 'snapshot_unavailable',
    },
  })
}

/** KV that counts the stored values it hands out. */
function countingKv() {
  const { kv, gets } = spyingKv()
  return {
    kv,
    reads: {
      get count() {
        return gets.filter((key) => key.startsWith('snapshot:blob:')).length
      },
    },
  }
}

const ids = async (response: Response) => (await response.json<BackendRuntimeState[]>()).map((b) => b.id)

describe('snapshot reads', () => {
  it('serves a sharded snapshot whole, byte for byte what JSON.stringify gives', async () => {
    const fleet = states(25, 3)
    const meta = await publish(fleet)
    expect(meta.shardCount).toBeGreaterThan(5)
    const response = await call('/state', { headers: READER })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(JSON.stringify(fleet))
    expect(await (await call('/state/b7', { headers: READER })).text()).toBe(JSON.stringify(fleet[7]))
  })

  it('answers 503 with Retry-After when a value the meta names is missing, on every read that needs it', async () => {
    const meta = await publish(states(6, 2))
    await env.KV.delete(meta.shards.at(-1)!.key)
    await env.KV.delete(meta.views.models!)
    await expectUnavailable(await call('/state', { headers: READER }))
    await expectUnavailable(await call('/state/b5', { headers: READER }))
    await expectUnavailable(await call('/models', { headers: READER }))
    await expectUnavailable(await call('/v1/models', { headers: READER }))
    // What the missing values do not hold is still served.
    expect((await call('/state/b0', { headers: READER })).status).toBe(200)
  })

  it('answers an unknown backend 404 without an ETag, so it can never revalidate to 304', async () => {
    await publish(states(3))
    const missing = await call('/state/nope', { headers: READER })
    expect(missing.status).toBe(404)
    expect(missing.headers.get('ETag')).toBeNull()
    expect(missing.headers.get('Cache-Control')).not.toBe('private, no-cache')
    expect((await missing.json<{ error: { code: string } }>()).error.code).toBe('backend_not_found')
    const found = await call('/state/b1', { headers: READER })
    expect(found.status).toBe(200)
    const etag = found.headers.get('ETag')!
    expect(etag).toMatch(/^".+"$/)
    const again = await call('/state/b1', { headers: { ...READER, 'If-None-Match': etag } })
    expect(again.status).toBe(304)
    expect(again.headers.get('ETag')).toBe(etag)
  })

  it('answers 304 from the meta alone, without any stored value', async () => {
    const meta = await publish(states(4, 2))
    const first = await call('/providers?capability=embed', { headers: READER })
    const etag = first.headers.get('ETag')!
    for (const key of (await env.KV.list({ prefix: 'snapshot:blob:' })).keys) await env.KV.delete(key.name)
    expect(meta.etag).toBe(etag.slice(1, 33))
    const again = await call('/providers?capability=embed', { headers: { ...READER, 'If-None-Match': etag } })
    expect(again.status).toBe(304)
  })

  it('answers 304 to a filtered /providers or /models from the meta alone', async () => {
    const meta = await publish(pricedStates(6, 12))
    const paths = ['/providers?tools=true&maxInputPrice=5', '/models?inputModality=image&minContext=16384&limit=3']
    const etags = []
    for (const path of paths) etags.push((await call(path, { headers: READER })).headers.get('ETag')!)
    for (const key of (await env.KV.list({ prefix: 'snapshot:blob:' })).keys) await env.KV.delete(key.name)
    for (const [i, path] of paths.entries()) {
      expect(etags[i]!.slice(1, 33)).toBe(meta.etag)
      expect((await call(path, { headers: { ...READER, 'If-None-Match': etags[i]! } })).status).toBe(304)
    }
  })

  it('filters /providers and /models on the published facts as full scans do, from the indexes', async () => {
    const fleet = pricedStates(9, 40)
    await publish(fleet, 3)
    for (const [query, facts] of FILTERS) {
      const providers = await call(`/providers?${query}`, { headers: READER })
      expect(await providers.text(), query).toBe(
        JSON.stringify(providersFromSnapshot(fleet, { types: [], capabilities: [], ...facts })),
      )
      for (const limit of [1, 5, 100]) {
        const models = await call(`/models?${query}&limit=${limit}`, { headers: READER })
        const all = mergedModels(fleet).filter((m) => factsMatch(facts, m))
        expect(await models.text(), `${query} limit ${limit}`).toBe(JSON.stringify(all.slice(0, limit)))
      }
    }
  })

  it('filters /models by merging the shards when the list was too large to store, past the first 1000 ids', async () => {
    const fleet = pricedStates(6, 1300)
    // Tools only past the first 1000 ids: the answer needs a second pass over the shards.
    for (const state of fleet) {
      state.pulledModels = state.pulledModels.map((m) =>
        m.model < 'm01100' ? { ...m, tools: null, capabilities: { ...m.capabilities, tools: null } } : m,
      )
    }
    const meta = await publish(fleet, 2, { maxViewBytes: 10 })
    expect(meta.views.models).toBeNull()
    for (const [query, facts] of [
      ...FILTERS,
      ['tools=false&minContext=65536', { tools: false, minContext: 65536 }],
    ] as const) {
      for (const limit of [3, 100]) {
        const models = await call(`/models?${query}&limit=${limit}`, { headers: READER })
        const all = mergedModels(fleet).filter((m) => factsMatch(facts, m))
        expect(await models.json(), `${query} limit ${limit}`).toEqual(all.slice(0, limit))
      }
    }
    const tools = await (await call('/models?tools=true&limit=2', { headers: READER })).json<{ id: string }[]>()
    expect(tools.map((m) => m.id.slice(0, 6))).toEqual(['m01100', 'm01104'])
  })

  it("quotes OpenRouter's context_length and pricing in /v1/models, from the stored list and from the shards", async () => {
    const fleet = pricedStates(6, 12)
    for (const maxViewBytes of [undefined, 10]) {
      const meta = await publish(fleet, 2, { maxViewBytes })
      const list = await (
        await call('/v1/models', { headers: READER })
      ).json<{
        data: { context_length?: number; pricing?: { prompt: string } }[]
      }>()
      expect(list).toEqual(
        openAIModelList(fleet, new Date(Math.floor(Date.parse(meta.modelList!.since) / 1000) * 1000)),
      )
      expect(list.data.filter((m) => m.pricing && m.context_length).length).toBeGreaterThan(0)
    }
  })

  it('answers /models and /v1/models by merging the shards when their lists were too large to store', async () => {
    const fleet = states(9, 5).map((b, i) => ({
      ...b,
      pulledModels: b.pulledModels.map((m) => ({ ...m, model: `${m.model}-${i % 4}`, name: `${m.name}-${i % 4}` })),
    }))
    const meta = await publish(fleet, 2, { maxViewBytes: 10 })
    expect(meta.views).toMatchObject({ models: null })
    const created = Math.floor(Date.parse(meta.writtenAt) / 1000)
    for (const limit of [1, 7, 100]) {
      const models = await call(`/models?limit=${limit}`, { headers: READER })
      expect(await models.json()).toEqual(mergedModels(fleet).slice(0, limit))
      const openAI = await call(`/v1/models?limit=${limit}`, { headers: READER })
      const list = openAIModelList(fleet, new Date(created * 1000))
      expect(await openAI.json()).toEqual({ ...list, data: list.data.slice(0, limit) })
    }
  })

  it('answers 404 without an ETag before any snapshot was published', async () => {
    const missing = await call('/state/nope', { headers: READER })
    expect(missing.status).toBe(404)
    expect(missing.headers.get('ETag')).toBeNull()
  })
})

describe('gzip', () => {
  const gzipped = { ...READER, 'Accept-Encoding': 'gzip, deflate, br' }

  it('sends /state as stored gzip members to a client that takes it, the same JSON once decoded', async () => {
    const fleet = states(12, 4)
    await publish(fleet, 3)
    const response = await call('/state', { headers: gzipped })
    expect(response.headers.get('Content-Encoding')).toBe('gzip')
    expect(response.headers.get('Vary')).toBe('Accept-Encoding')
    const etag = response.headers.get('ETag')!
    expect(etag).toMatch(/-gzip"$/)
    // fetch decodes gzip, as browsers and HTTP clients do: the members decode to the whole array.
    expect(await response.text()).toBe(JSON.stringify(fleet))
    expect((await call('/state', { headers: { ...gzipped, 'If-None-Match': etag } })).status).toBe(304)

    for (const headers of [READER, { ...READER, 'Accept-Encoding': 'gzip;q=0, identity' }]) {
      const plain = await call('/state', { headers })
      expect(plain.headers.get('Content-Encoding')).toBeNull()
      expect(plain.headers.get('ETag')).not.toBe(etag)
      expect(await plain.text()).toBe(JSON.stringify(fleet))
    }
  })

  it('streams gzip members shard by shard when /state is too large to hold', async () => {
    const fleet = states(30, 3)
    const meta = await publish(fleet, 1)
    const { kv, reads } = countingKv()
    const reader = new SnapshotReader(kv, { metaMaxAgeMs: 0, keepBytes: 1024 })
    const { body, gzip } = await fullState(reader, meta, true)
    expect(gzip).toBe(true)
    expect(body).toBeInstanceOf(ReadableStream)
    const bytes = new Uint8Array(await new Response(body).arrayBuffer())
    expect(gunzipSync(bytes).toString()).toBe(JSON.stringify(fleet))
    expect(reads.count).toBe(meta.shardCount)
  })
})

describe('paging /state', () => {
  async function pages(first: string) {
    const seen: string[] = []
    const links: string[] = []
    for (let next: string | null = first; next;) {
      const response = await call(next, { headers: READER })
      expect(response.status).toBe(200)
      seen.push(...(await ids(response)))
      const link = response.headers.get('Link')
      next = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1]! : null
      if (next) links.push(next)
    }
    return { seen, links }
  }

  it('gives every backend exactly once, in order, following Link rel="next"', async () => {
    const fleet = states(23, 1)
    await publish(fleet, 3)
    for (const limit of [1, 4, 23, 100]) {
      const { seen, links } = await pages(`/state?limit=${limit}`)
      expect(seen).toEqual(fleet.map((b) => b.id))
      expect(links).toHaveLength(Math.ceil(23 / limit) - 1)
    }
  })

  it('revalidates a page with its ETag', async () => {
    await publish(states(5), 2)
    const page = await call('/state?limit=2', { headers: READER })
    const again = await call('/state?limit=2', { headers: { ...READER, 'If-None-Match': page.headers.get('ETag')! } })
    expect(again.status).toBe(304)
  })

  it('refuses a cursor from a replaced version with a clear 400, a malformed one too, and a bad limit with a 422', async () => {
    await publish(states(5), 2)
    const link = (await call('/state?limit=2', { headers: READER })).headers.get('Link')!
    const next = /^<([^>]+)>/.exec(link)![1]!
    expect((await call(next, { headers: READER })).status).toBe(200)
    await publish(states(6), 2)
    const stale = await call(next, { headers: READER })
    expect(stale.status).toBe(400)
    expect(await stale.json()).toEqual({
      error: {
        message: 'cursor belongs to a snapshot version that has been replaced; start again without a cursor',
        type: 'invalid_request_error',
        code: 'stale_cursor',
        param: 'cursor',
      },
    })
    const garbled = await call('/state?cursor=bm90LWEtY3Vyc29y', { headers: READER })
    expect(garbled.status).toBe(400)
    expect((await garbled.json<{ error: { code: string; param: string } }>()).error).toMatchObject({
      code: 'invalid_cursor',
      param: 'cursor',
    })
    for (const limit of ['0', '1001', 'ten', '-1']) {
      const bad = await call(`/state?limit=${limit}`, { headers: READER })
      expect(bad.status).toBe(422)
      expect((await bad.json<{ error: { code: string; param: string } }>()).error).toMatchObject({
        code: 'invalid_field',
        param: 'limit',
      })
    }
  })
})

describe('bounded memory', () => {
  async function drain(stream: ReadableStream<Uint8Array>, reads: { count: number }) {
    const reader = stream.getReader()
    const chunks: string[] = []
    const decoder = new TextDecoder()
    for (let taken = 0; ; taken++) {
      // A value is read only when the client has taken what came before it.
      expect(reads.count).toBeLessThanOrEqual(taken + 1)
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(decoder.decode(value, { stream: true }))
    }
    return chunks.join('')
  }

  it('streams a /state larger than the isolate keeps one shard at a time', async () => {
    const fleet = states(40, 2)
    const meta = await publish(fleet, 1)
    expect(meta.shardCount).toBeGreaterThanOrEqual(20)
    const { kv, reads } = countingKv()
    const reader = new SnapshotReader(kv, { metaMaxAgeMs: 0, keepBytes: 1024 })
    const { body } = await fullState(reader, meta, false)
    expect(body).toBeInstanceOf(ReadableStream)
    expect(await drain(body as ReadableStream<Uint8Array>, reads)).toBe(JSON.stringify(fleet))
    expect(reads.count).toBe(meta.shardCount)
  })

  it('streams a large /providers answer a shard at a time, with the entries a full scan gives', async () => {
    const fleet = states(30, 6)
    const meta = await publish(fleet, 1)
    const { kv, reads } = countingKv()
    const reader = new SnapshotReader(kv, { metaMaxAgeMs: 0, keepBytes: 1024 })
    const query = providerQuery({ types: [], capabilities: ['chat'] })
    const body = await providerList(reader, meta, query, 'chat')
    expect(body).toBeInstanceOf(ReadableStream)
    const text = await drain(body as ReadableStream<Uint8Array>, { count: 0 })
    expect(text).toBe(JSON.stringify(providersFromSnapshot(fleet, { types: [], capabilities: ['chat'] })))
    expect(reads.count).toBeGreaterThan(0)
  })
})

describe("the isolate's copy of the snapshot", () => {
  const blobKeys = async () => (await env.KV.list({ prefix: 'snapshot:blob:' })).keys.map((k) => k.name)

  it('serves a version it has read without reading its values again, and switches when a new one is published', async () => {
    await publish(states(3, 2))
    expect(await ids(await call('/state', { headers: READER }))).toEqual(['b0', 'b1', 'b2'])
    expect((await call('/state/b1', { headers: READER })).status).toBe(200)
    const models = await (await call('/models', { headers: READER })).text()
    // Values gone from KV: the same version still answers, from memory, with the same bodies.
    for (const key of await blobKeys()) await env.KV.delete(key)
    expect(await ids(await call('/state', { headers: READER }))).toEqual(['b0', 'b1', 'b2'])
    expect((await (await call('/state/b1', { headers: READER })).json<BackendRuntimeState>()).id).toBe('b1')
    expect(await (await call('/models', { headers: READER })).text()).toBe(models)

    await publish(states(5))
    expect(await ids(await call('/state', { headers: READER }))).toEqual(['b0', 'b1', 'b2', 'b3', 'b4'])
  })

  it('never answers a newer version from an older copy: a newer one that is incomplete is a 503', async () => {
    await publish(states(3))
    expect((await call('/state', { headers: READER })).status).toBe(200)
    const newer = await publish(states(5))
    await env.KV.delete(newer.shards.at(-1)!.key)
    await expectUnavailable(await call('/state', { headers: READER }))
  })

  it("answers 503 when the moving values in its slot are another version's, as a stale meta at an edge would find them", async () => {
    const stale = await publish(states(3))
    await publish(states(4))
    // The third version takes the first one's slot again.
    await publish(states(5))
    await env.KV.put('snapshot:meta', JSON.stringify(stale))
    await expectUnavailable(await call('/state', { headers: READER }))
    await expectUnavailable(await call('/state/b1', { headers: READER }))
    await expectUnavailable(await call('/metrics', { headers: READER }))
  })

  it("keeps another isolate's publish unseen for at most SNAPSHOT_META_MAX_AGE_MS, and sees its own at once", async () => {
    const fresh = { SNAPSHOT_META_MAX_AGE_MS: '60000' }
    await publish(states(2))
    expect(await ids(await fetchWith(fresh, '/state', { headers: READER }))).toEqual(['b0', 'b1'])
    // Published by another isolate: this one is not told.
    const elsewhere = new SnapshotPublisher(env.KV, { backendsPerShard: 2, announce: () => {} })
    await elsewhere.publish({ backends: states(4) }, await elsewhere.readMeta(), {
      now: new Date(),
      heartbeatSeconds: 900,
    })
    expect(await ids(await fetchWith(fresh, '/state', { headers: READER }))).toEqual(['b0', 'b1'])
    expect(await ids(await fetchWith({ SNAPSHOT_META_MAX_AGE_MS: '0' }, '/state', { headers: READER }))).toHaveLength(4)
    // Published here: seen at once, whatever the age allowed.
    await publish(states(3))
    expect(await ids(await fetchWith(fresh, '/state', { headers: READER }))).toEqual(['b0', 'b1', 'b2'])
  })
})
