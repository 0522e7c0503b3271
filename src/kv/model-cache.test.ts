import { describe, expect, it } from 'vitest'
import { type CachedModelList, GENERATION_KEY, ModelCache, jitteredTtl, modelCacheKey } from './model-cache'

/** An in-memory KV that counts operations as Workers bills them, and keeps each put's TTL. */
function countingKv() {
  const values = new Map<string, string>()
  const ttls = new Map<string, number | undefined>()
  const ops = { get: 0, put: 0, delete: 0, list: 0 }
  const parse = (key: string): unknown => (values.has(key) ? JSON.parse(values.get(key)!) : null)
  const kv = {
    get: async (key: string | string[]) => {
      ops.get++
      if (!Array.isArray(key)) return parse(key)
      if (key.length > 100) throw new Error('bulk get of more than 100 keys')
      return new Map(key.map((k) => [k, parse(k)]))
    },
    put: async (key: string, value: string, options?: KVNamespacePutOptions) => {
      ops.put++
      values.set(key, value)
      ttls.set(key, options?.expirationTtl)
    },
    delete: async (key: string) => {
      ops.delete++
      values.delete(key)
    },
    list: async () => {
      ops.list++
      throw new Error('a model cache never needs to list')
    },
  } as unknown as KVNamespace
  const total = () => ops.get + ops.put + ops.delete + ops.list
  return { kv, values, ttls, ops, total }
}

const ENTRY = { fingerprint: 'f'.repeat(64), observedAt: '2026-02-01T00:00:00.000Z', models: [], warnings: [] }
const ids = (n: number) => Array.from({ length: n }, (_, i) => `b${i}`)

describe('jitteredTtl', () => {
  it('stays within ±10 % of the setting, across the whole range of the random source', () => {
    expect(jitteredTtl(3600, () => 0)).toBe(3240)
    expect(jitteredTtl(3600, () => 0.5)).toBe(3600)
    expect(jitteredTtl(3600, () => 0.999_999)).toBe(3960)
    for (let i = 0; i <= 1000; i++) {
      const ttl = jitteredTtl(3600, () => i / 1001)
      expect(ttl).toBeGreaterThanOrEqual(3240)
      expect(ttl).toBeLessThanOrEqual(3960)
    }
  })

  it("never goes below KV's 60 s minimum, nor past the bounds for a source outside [0, 1)", () => {
    expect(jitteredTtl(60, () => 0)).toBe(60)
    expect(jitteredTtl(60, () => 0.999)).toBe(66)
    expect(jitteredTtl(1000, () => -5)).toBe(900)
    expect(jitteredTtl(1000, () => 7)).toBe(1100)
  })
})

describe('ModelCache', () => {
  it('writes each entry with a TTL drawn from the injected source', async () => {
    const draws = [0, 0.5, 0.999_999]
    const { kv, ttls } = countingKv()
    const cache = new ModelCache(kv, 3600, { random: () => draws.shift()! })
    for (const id of ids(3)) await cache.put(id, ENTRY)
    expect(ids(3).map((id) => ttls.get(modelCacheKey(id)))).toEqual([3240, 3600, 3960])
  })

  it('reads the generation in the first bulk read: one KV operation per 100 keys, none more', async () => {
    const { kv, ops } = countingKv()
    const cache = new ModelCache(kv, 3600)
    expect(await cache.getMany([])).toEqual(new Map())
    expect(ops.get).toBe(0)
    await cache.getMany(ids(99))
    expect(ops.get).toBe(1)
    await cache.getMany(ids(100))
    expect(ops.get).toBe(3)
    await cache.getMany(ids(250))
    expect(ops.get).toBe(6)
  })

  it('clears any number of entries with one read and one write, and serves none of them after', async () => {
    const { kv, ops, total } = countingKv()
    const writer = new ModelCache(kv, 3600)
    for (const id of ids(2500)) await writer.put(id, ENTRY)
    expect((await new ModelCache(kv, 3600).getMany(ids(2500))).size).toBe(2500)

    const before = total()
    expect(await new ModelCache(kv, 3600).clear()).toBe(1)
    expect(total() - before).toBe(2)
    expect(ops.put - 2500).toBe(1)
    expect(await new ModelCache(kv, 3600).clear()).toBe(2)
    expect((await new ModelCache(kv, 3600).getMany(ids(2500))).size).toBe(0)
  })

  it('serves entries written under the generation it read (or a newer one), and stamps puts with it', async () => {
    const { kv, values } = countingKv()
    await new ModelCache(kv, 3600).clear()
    await new ModelCache(kv, 3600).clear()
    const stamp = (generation: number | undefined) =>
      JSON.stringify({ schemaVersion: 2, ...ENTRY, models: [{ name: 'm' }], generation })
    values.set(modelCacheKey('old'), stamp(1))
    values.set(modelCacheKey('unstamped'), stamp(undefined))
    values.set(modelCacheKey('current'), stamp(2))
    values.set(modelCacheKey('newer'), stamp(3))

    const cache = new ModelCache(kv, 3600)
    const found = await cache.getMany(['old', 'unstamped', 'current', 'newer', 'missing'])
    expect([...found.keys()]).toEqual(['current', 'newer'])
    await cache.put('fresh', ENTRY)
    const written = JSON.parse(values.get(modelCacheKey('fresh'))!) as CachedModelList
    expect(written).toMatchObject({ schemaVersion: 2, generation: 2, fingerprint: ENTRY.fingerprint })
    expect((await new ModelCache(kv, 3600).getMany(['fresh'])).has('fresh')).toBe(true)
  })

  it('serves entries from before generations existed while no clear has happened', async () => {
    const { kv, values } = countingKv()
    values.set(modelCacheKey('legacy'), JSON.stringify({ schemaVersion: 2, ...ENTRY }))
    expect((await new ModelCache(kv, 3600).getMany(['legacy'])).has('legacy')).toBe(true)
  })

  it('does not serve a list cached before listings carried what they state beyond the flat facts', async () => {
    const { kv, values } = countingKv()
    values.set(modelCacheKey('v1'), JSON.stringify({ schemaVersion: 1, ...ENTRY }))
    expect((await new ModelCache(kv, 3600).getMany(['v1'])).has('v1')).toBe(false)
  })

  it('stamps 0 on an instance that read no generation, so a clear made before it still holds', async () => {
    const { kv, values } = countingKv()
    await new ModelCache(kv, 3600).clear()
    await new ModelCache(kv, 3600).put('blind', ENTRY)
    expect(JSON.parse(values.get(modelCacheKey('blind'))!)).toMatchObject({ generation: 0 })
    expect((await new ModelCache(kv, 3600).getMany(['blind'])).size).toBe(0)
  })

  it('invalidates one backend with one delete, and no backend id reaches the generation', async () => {
    const { kv, values, ops } = countingKv()
    const cache = new ModelCache(kv, 3600)
    await cache.clear()
    await cache.put('a', ENTRY)
    await cache.invalidate('a')
    await cache.invalidate('generation')
    await cache.invalidate('-generation')
    expect(ops.delete).toBe(3)
    expect(values.has(modelCacheKey('a'))).toBe(false)
    expect(values.get(GENERATION_KEY)).toBe('1')
  })
})
