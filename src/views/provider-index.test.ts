import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeArrayView, utf8 } from '../kv/array-view'
import { cutState, observedAtOf } from '../kv/state-template'
import { backendState, servedModel } from '../../test/support/published'
import type { BackendRuntimeState } from '../published/types'
import { chunkStarts, splitAt } from './chunk-boundaries'
import { fleet, providerFilter } from '../../test/support/fleet-arbitrary'
import {
  type ProviderChunkHeader,
  type ProviderDirectory,
  providerBodyParts,
  renderProviderChunks,
} from './provider-index'
import { providerQuery, providersFromSnapshot } from './providers'

/** The index of a fleet cut into shards of about `perShard`, with its chunks in a map standing in for KV. */
function indexOf(backends: BackendRuntimeState[], perShard: number, maxChunks?: number) {
  const stored = new Map<string, Uint8Array>()
  const directory: ProviderDirectory = { shards: [] }
  const shards = splitAt(
    backends,
    chunkStarts(
      backends.map((b) => b.id),
      perShard,
    ),
  )
  const starts: number[] = []
  for (const shard of shards) {
    starts.push(starts.length === 0 ? 0 : starts.at(-1)! + shards[starts.length - 1]!.length)
    directory.shards.push(
      renderProviderChunks(shard, maxChunks).map((chunk) => {
        const key = `chunk-${stored.size}`
        stored.set(key, chunk.bytes)
        return { key, summary: chunk.summary }
      }),
    )
  }
  // Each entry's observedAt comes from its backend's moving values, as a read fills it in.
  const moving = backends.map((b) => cutState(b).moving)
  const observedAt = async (shard: number) => (backend: number, k: number) =>
    utf8(JSON.stringify(observedAtOf(moving[starts[shard]! + backend]!, k)))
  return { stored, directory, observedAt }
}

async function answer(index: ReturnType<typeof indexOf>, filter: Parameters<typeof providerQuery>[0]) {
  const loaded: string[] = []
  const load = async (key: string) => {
    loaded.push(key)
    return decodeArrayView<ProviderChunkHeader>(index.stored.get(key)! as Uint8Array<ArrayBuffer>)
  }
  const parts: string[] = []
  for await (const part of providerBodyParts(index.directory, providerQuery(filter), load, index.observedAt)) {
    parts.push(new TextDecoder().decode(part))
  }
  return { body: `[${parts.join(',')}]`, loaded }
}

describe('the /providers index', () => {
  it('answers every filter with exactly the entries, bytes and order of a full scan', async () => {
    await fc.assert(
      fc.asyncProperty(
        fleet,
        providerFilter,
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        async (backends, filter, perShard, maxChunks) => {
          const { body } = await answer(indexOf(backends, perShard, maxChunks), filter)
          expect(body).toBe(JSON.stringify(providersFromSnapshot(backends, filter)))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('reads only the chunks that can hold a match', async () => {
    const model = (id: string, contextLength: number, canEmbed: boolean) =>
      servedModel(id, { contextLength, canEmbed, canChat: !canEmbed, canStream: !canEmbed, canPrompt: false })
    const backends = Array.from({ length: 40 }, (_, i) =>
      backendState(`b${i}`, {
        pulledModels: [
          model('chat-4k', 4096, false),
          model('chat-128k', 131072, false),
          ...(i % 10 === 0 ? [model('embed-32k', 32768, true)] : []),
        ],
      }),
    )
    const index = indexOf(backends, 10)
    const embeds = await answer(index, { types: [], capabilities: ['embed'], minContext: 32768 })
    expect((JSON.parse(embeds.body) as { backendId: string }[]).map((e) => e.backendId)).toEqual([
      'b0',
      'b10',
      'b20',
      'b30',
    ])
    // Only chunks of embedding models with a long enough context: one per shard that has one.
    const summaries = new Map(index.directory.shards.flat().map((c) => [c.key, c.summary]))
    expect(embeds.loaded.length).toBeGreaterThan(0)
    expect(embeds.loaded.length).toBeLessThanOrEqual(4)
    for (const key of embeds.loaded) expect(summaries.get(key)).toMatchObject({ masks: [2], maxContext: 32768 })
    const longChat = await answer(index, { types: [], capabilities: ['chat'], minContext: 65536 })
    expect(JSON.parse(longChat.body)).toHaveLength(40)
    const chunks = index.directory.shards.flat()
    expect(longChat.loaded.length).toBeLessThan(chunks.length)
    expect((await answer(index, { types: ['ollama'], capabilities: [] })).loaded).toEqual([])
  })

  it('reads only the chunks whose facts can match: prices, limits, flags and modalities known', async () => {
    const cloud = (id: string, input: number, tools: boolean) =>
      servedModel(id, {
        contextLength: 200_000,
        maxOutputTokens: 64_000,
        tools,
        pricing: { input, output: 5 * input, cacheRead: null, cacheWrite: null },
        modalities: { input: ['image', 'text'], output: ['text'] },
      })
    const backends = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0
        ? backendState(`c${i}`, {
            backend: {
              id: `c${i}`,
              name: `c${i}`,
              baseUrl: 'https://api',
              type: 'openai',
              createdAt: '',
              updatedAt: '',
            },
            pulledModels: [cloud('big', 15, true), cloud('small', 0.15, false)],
          })
        : backendState(`v${i}`, { pulledModels: [servedModel('local', { contextLength: 200_000 })] }),
    )
    const index = indexOf(backends, 10)
    const summaries = new Map(index.directory.shards.flat().map((c) => [c.key, c.summary]))
    const cloudChunks = [...summaries].filter(([, s]) => s.types.includes('openai')).map(([key]) => key)
    for (const filter of [{ tools: true }, { maxInputPrice: 1 }, { minOutput: 1 }, { inputModality: 'image' }]) {
      const { body, loaded } = await answer(index, { types: [], capabilities: [], ...filter })
      expect(loaded.length).toBeGreaterThan(0)
      expect(cloudChunks).toEqual(expect.arrayContaining(loaded))
      expect((JSON.parse(body) as unknown[]).length).toBeGreaterThan(0)
    }
    for (const filter of [{ tools: false, maxInputPrice: 0.1 }, { reasoning: true }, { inputModality: 'audio' }]) {
      expect((await answer(index, { types: [], capabilities: [], ...filter })).loaded).toEqual([])
    }
    // Context alone still reads the self-hosted chunks too.
    expect((await answer(index, { types: [], capabilities: [], minContext: 100_000 })).loaded).toHaveLength(
      summaries.size,
    )
  })
})
