import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeArrayView, elementRange, jsonJoin } from '../kv/array-view'
import { decodeMoving } from '../kv/moving-view'
import { type TemplateHeader, spliceRange } from '../kv/template-view'
import type { BackendRuntimeState } from '../published/types'
import { factFilter, fleet } from '../../test/support/fleet-arbitrary'
import { fleetBase, fleetView, fleetWithMoving } from './fleet'
import { factsMatch } from './fact-filter'
import { type FactColumns, columnMatcher, factQuery } from './fact-filter-index'
import { metricsFromMoving, metricsView } from './metrics'
import { type MergedEntry, foldMergedModels, mergedEntries, mergedModels, sortedById } from './models'
import { openAIModelList } from './openai-models'
import { renderSnapshot } from './render'

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
const writtenAt = new Date('2026-12-01T10:00:00.000Z')
const options = {
  version: 'v1',
  modelsCreated: writtenAt,
  backendsPerShard: 3,
  maxShardBytes: 1 << 20,
  maxViewBytes: 1 << 20,
  cycle: { startedAt: '2026-12-01T09:59:58.000Z', durationMs: 2000, outcome: 'ok' as const },
}

describe('rendering the read views at publish', () => {
  it('stores the bodies the reads used to build: /state by shard (templates + moving values), the index, /models and /v1/models', () => {
    fc.assert(
      fc.property(fleet, (backends) => {
        const rendered = renderSnapshot({ backends }, options)
        const moving = decodeMoving(rendered.moving)
        expect(moving.header.version).toBe('v1')
        expect(moving.count).toBe(backends.length)
        const shards = rendered.shards.map((s) => decodeArrayView<TemplateHeader>(s.bytes))
        let start = 0
        const filled = shards.map((shard) => {
          const first = start
          start += shard.header.ends.length
          return spliceRange(shard, 0, shard.header.ends.length, (i) => moving.values(first + i))
        })
        expect(text(jsonJoin(filled))).toBe(JSON.stringify(backends))
        expect(rendered.shards.map((s) => s.states.length)).toEqual(shards.map((s) => s.header.ends.length))
        expect(rendered.shards.flatMap((s) => s.states)).toEqual(backends)
        expect(JSON.parse(text(rendered.index))).toEqual(backends.map((b) => b.id))
        const models = decodeArrayView<{ ends: number[]; count: number }>(rendered.models!)
        const count = models.header.count
        expect(text(jsonJoin([elementRange(models, 0, Math.min(2, count))]))).toBe(
          JSON.stringify(mergedModels(backends).slice(0, 2)),
        )
        expect(text(jsonJoin([elementRange(models, count, 2 * count)], '{"object":"list","data":[', ']}'))).toBe(
          JSON.stringify(openAIModelList(backends, writtenAt)),
        )
        expect(rendered.providers).toHaveLength(rendered.shards.length)
      }),
    )
  })

  it('keeps what moves out of every stored value but the moving values', () => {
    const moved = (b: BackendRuntimeState, i: number): BackendRuntimeState => ({
      ...b,
      checkedAt: '2026-12-02T00:00:00.000Z',
      lastSuccessAt: '2026-12-02T00:00:00.000Z',
      latencyMs: b.latencyMs + 17 * i,
      consecutiveFailures: b.consecutiveFailures + 1,
      uptime: { '1h': 0.25, '24h': 0.5, '7d': null },
      pulledModels: b.pulledModels.map((m) => ({ ...m, observedAt: '2026-12-02T00:00:00.000Z' })),
    })
    fc.assert(
      fc.property(fleet, (backends) => {
        const before = renderSnapshot({ backends }, options)
        const after = renderSnapshot({ backends: backends.map(moved) }, { ...options, version: 'v2' })
        expect(after.shards.map((s) => s.bytes)).toEqual(before.shards.map((s) => s.bytes))
        expect(after.providers).toEqual(before.providers)
        expect([after.index, after.models, after.fleet]).toEqual([before.index, before.models, before.fleet])
      }),
    )
  })

  it('gives the status pages and /metrics the views they rendered from whole states', () => {
    const cycle = options.cycle
    fc.assert(
      fc.property(fleet, (backends) => {
        const rendered = renderSnapshot({ backends }, options)
        const moving = decodeMoving<typeof cycle>(rendered.moving)
        const publishedAt = writtenAt.toISOString()
        expect(fleetWithMoving(fleetBase(backends), (i) => moving.values(i).fields, publishedAt)).toEqual(
          fleetView(backends, writtenAt),
        )
        expect(metricsFromMoving(moving, publishedAt)).toEqual(metricsView(backends, cycle, writtenAt))
      }),
    )
  })

  it("answers a filter on the merged models from the model view's header, as a filter of the whole list does", () => {
    fc.assert(
      fc.property(fleet, factFilter, (backends, filter) => {
        const models = decodeArrayView<{ ends: number[]; count: number } & FactColumns>(
          renderSnapshot({ backends }, options).models!,
        )
        const matches = columnMatcher(factQuery(filter), models.header)
        const found = Array.from({ length: models.header.count }, (_, i) => i).filter(matches)
        const body = text(jsonJoin(found.map((i) => elementRange(models, i, i + 1))))
        expect(body).toBe(JSON.stringify(mergedModels(backends).filter((m) => factsMatch(filter, m))))
      }),
      { numRuns: 300 },
    )
  })

  it('leaves out a model view larger than the limit (reads then merge the shards)', () => {
    const backends = fc.sample(
      fleet.filter((b) => b.some((s) => s.pulledModels.length > 0)),
      1,
    )[0]!
    const rendered = renderSnapshot({ backends }, { ...options, maxViewBytes: 10 })
    expect(rendered.models).toBeNull()
    expect(rendered.fleet).toBeNull()
  })
})

describe('merging models a part at a time', () => {
  it('gives the first `limit` models of the whole merge past an id, whatever the parts', () => {
    const after = fc.constantFrom(undefined, 'm-a', 'm-c', 'x')
    fc.assert(
      fc.property(
        fleet,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 8 }),
        after,
        (backends, limit, part, after) => {
          const byId = new Map<string, MergedEntry>()
          for (let i = 0; i < backends.length; i += part) {
            foldMergedModels(byId, backends.slice(i, i + part), limit, after)
          }
          const past = mergedEntries(backends).filter((e) => after === undefined || e.model.id > after)
          expect(sortedById(byId)).toEqual(past.slice(0, limit))
        },
      ),
    )
  })
})
