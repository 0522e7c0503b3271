import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeArrayView, elementRange, jsonJoin } from '../kv/array-view'
import { fleet } from './fleet-arbitrary'
import { foldMergedModels, mergedModels, openAIModelList, sortedById, type MergedModel } from './models'
import { renderSnapshot } from './render'

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
const writtenAt = new Date('2026-12-01T10:00:00.000Z')
const options = {
  writtenAt,
  backendsPerShard: 3,
  maxShardBytes: 1 << 20,
  maxViewBytes: 1 << 20,
  cycle: { startedAt: '2026-12-01T09:59:58.000Z', durationMs: 2000, outcome: 'ok' as const },
}

describe('rendering the read views at publish', () => {
  it('stores the bodies the reads used to build: /state by shard, the index, /models and /v1/models', () => {
    fc.assert(
      fc.property(fleet, (backends) => {
        const rendered = renderSnapshot({ backends }, options)
        const shards = rendered.shards.map((s) => decodeArrayView(s.bytes))
        expect(text(jsonJoin(shards.map((s) => s.body)))).toBe(JSON.stringify(backends))
        expect(rendered.shards.map((s) => s.states.length)).toEqual(shards.map((s) => s.header.ends.length))
        expect(rendered.shards.flatMap((s) => s.states)).toEqual(backends)
        expect(JSON.parse(text(rendered.index))).toEqual(backends.map((b) => b.id))
        const models = decodeArrayView(rendered.models!)
        expect(text(jsonJoin([elementRange(models, 0, 2)]))).toBe(JSON.stringify(mergedModels(backends).slice(0, 2)))
        const openAI = decodeArrayView(rendered.openAIModels!)
        expect(text(jsonJoin([elementRange(openAI, 0, 99)], '{"object":"list","data":[', ']}'))).toBe(
          JSON.stringify(openAIModelList(backends, writtenAt)),
        )
        expect(rendered.providers).toHaveLength(rendered.shards.length)
      }),
    )
  })

  it('leaves out a model view larger than the limit (reads then merge the shards)', () => {
    const backends = fc.sample(
      fleet.filter((b) => b.some((s) => s.pulledModels.length > 0)),
      1,
    )[0]!
    const rendered = renderSnapshot({ backends }, { ...options, maxViewBytes: 10 })
    expect(rendered.models).toBeNull()
    expect(rendered.openAIModels).toBeNull()
  })
})

describe('merging models a part at a time', () => {
  it('gives the first `limit` models of the whole merge, whatever the parts', () => {
    fc.assert(
      fc.property(fleet, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 8 }), (backends, limit, part) => {
        const byId = new Map<string, MergedModel>()
        for (let i = 0; i < backends.length; i += part) foldMergedModels(byId, backends.slice(i, i + part), limit)
        expect(sortedById(byId)).toEqual(mergedModels(backends).slice(0, limit))
      }),
    )
  })
})
