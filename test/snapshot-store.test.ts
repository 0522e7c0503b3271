import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { SnapshotReader, SnapshotUnavailableError } from '../src/kv/snapshot-reader'
import { SWEEP_INTERVAL_MS, retiredValues } from '../src/kv/retirement'
import { MOVING_SLOTS } from '../src/kv/snapshot-store'
import { SnapshotPublisher } from '../src/reconcile/publish-snapshot'
import { backendState, servedModel } from './support/published'
import type { BackendRuntimeState, SnapshotMeta } from '../src/published/types'
import { READER, call, resetAll } from './helpers'

beforeEach(resetAll)

const now = new Date('2026-11-27T12:00:00.000Z')
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000)

function states(count: number, checkedAt = now.toISOString()): BackendRuntimeState[] {
  // Each cycle dates the models it read: volatile, like the timestamps.
  const pulledModels = [
    servedModel('m1', { observedAt: checkedAt }),
    servedModel('m2', { contextLength: 131072, observedAt: checkedAt }),
  ]
  return Array.from({ length: count }, (_, i) =>
    backendState(`b${String(i).padStart(4, '0')}`, {
      pulledModels,
      checkedAt,
      lastSuccessAt: checkedAt,
      latencyMs: Date.parse(checkedAt) % 997,
    }),
  )
}

/** The fleet with backend `i` down: its shard, chunks and fleet row change. */
const withDown = (fleet: BackendRuntimeState[], i: number) =>
  fleet.map((b, j) =>
    j === i ? { ...b, status: 'down' as const, pulledModels: [], models: [], error: 'unreachable' } : b,
  )

/** KV that counts what the budget counts: puts, deletes and lists. */
function countingKv() {
  const calls = { put: [] as string[], delete: [] as string[], list: 0 }
  const kv = new Proxy(env.KV, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (prop === 'put') calls.put.push(args[0] as string)
        if (prop === 'delete') calls.delete.push(args[0] as string)
        if (prop === 'list') calls.list++
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { kv, calls, total: () => calls.put.length + calls.delete.length + calls.list }
}

async function storedKeys(): Promise<string[]> {
  return (await env.KV.list({ prefix: 'snapshot:' })).keys.map((k) => k.name).sort()
}

/** The content-addressed values a version names. */
function namedBy(meta: SnapshotMeta): string[] {
  return [
    ...meta.shards.flatMap((s) => [s.key, ...s.chunks.map((c) => c.key)]),
    ...Object.values(meta.views).filter((k): k is string => k !== null),
  ]
}

const quiet = { announce: () => {} }

const retiredKeys = (meta: SnapshotMeta) => retiredValues(meta.retired, meta.writtenAt).map((r) => r.key)

describe('SnapshotPublisher and SnapshotStore', () => {
  it('publishes a fleet as shards of about the set size, each value under a key made of its bytes', async () => {
    const store = new SnapshotPublisher(env.KV, { backendsPerShard: 10, ...quiet })
    const { meta, kvWrites } = await store.publish({ backends: states(250) }, null, { now, heartbeatSeconds: 900 })
    expect(meta).toMatchObject({ schemaVersion: 2, backendCount: 250 })
    expect(meta!.shards.reduce((n, s) => n + s.count, 0)).toBe(250)
    expect(meta!.shards.every((s) => s.count <= 20)).toBe(true)
    expect(meta!.shardCount).toBe(meta!.shards.length)
    expect(meta!.shardCount).toBeGreaterThan(5)
    const named = namedBy(meta!)
    expect(named.every((key) => /^snapshot:blob:[0-9a-f]{32}$/.test(key))).toBe(true)
    // Every value once, the moving values and the meta; nothing else stored.
    expect(kvWrites).toBe(new Set(named).size + 2)
    expect(await storedKeys()).toEqual([...new Set(named), meta!.moving!.key, 'snapshot:meta'].sort())
    const listed = (await env.KV.list({ prefix: 'snapshot:' })).keys
    expect(listed.every((k) => k.expiration === undefined)).toBe(true)
  })

  it('writes only the changed shard, its /providers chunks, the views it touches, the moving values and the meta when one backend changes', async () => {
    const store = new SnapshotPublisher(env.KV, { backendsPerShard: 10, ...quiet })
    const first = await store.publish({ backends: states(300) }, null, { now, heartbeatSeconds: 900 })
    const { kv, calls, total } = countingKv()
    // A later cycle: every backend's timestamps moved, one backend went down.
    const second = await new SnapshotPublisher(kv, { backendsPerShard: 10, ...quiet }).publish(
      { backends: withDown(states(300, later(60).toISOString()), 137) },
      first.meta,
      { now: later(60), heartbeatSeconds: 900 },
    )
    const changedShards = second.meta!.shards.filter((s, i) => s.key !== first.meta!.shards[i]!.key)
    expect(changedShards).toHaveLength(1)
    const allowed = new Set([
      changedShards[0]!.key,
      ...changedShards[0]!.chunks.map((c) => c.key),
      second.meta!.views.fleet,
      second.meta!.moving!.key,
      'snapshot:meta',
    ])
    expect(calls.put.every((key) => allowed.has(key))).toBe(true)
    expect(calls.put.length).toBeLessThanOrEqual(allowed.size)
    expect(second.kvWrites).toBe(total())
    // Readers one version behind still need the first version's values: nothing deleted yet.
    expect(calls.delete).toEqual([])
    // Same backends and models: the index and the model lists are the previous version's.
    expect(second.meta!.views.index).toBe(first.meta!.views.index)
    expect(second.meta!.views.models).toBe(first.meta!.views.models)
    expect(second.meta!.moving!.key).not.toBe(first.meta!.moving!.key)
  })

  it('makes no write when only timestamps changed, until the heartbeat, which writes the moving values and the meta alone', async () => {
    const store = new SnapshotPublisher(env.KV, { backendsPerShard: 10, ...quiet })
    const first = await store.publish({ backends: states(30) }, null, { now, heartbeatSeconds: 900 })
    const quietWrite = await store.publish({ backends: states(30, later(60).toISOString()) }, first.meta, {
      now: later(60),
      heartbeatSeconds: 900,
    })
    expect(quietWrite).toEqual({ written: false, kvWrites: 0, meta: first.meta })
    const { kv, calls, total } = countingKv()
    const due = await new SnapshotPublisher(kv, { backendsPerShard: 10, ...quiet }).publish(
      { backends: states(30, later(901).toISOString()) },
      first.meta,
      { now: later(901), heartbeatSeconds: 900 },
    )
    expect(due.written).toBe(true)
    expect(due.meta!.contentHash).toBe(first.meta!.contentHash)
    expect(due.meta!.etag).not.toBe(first.meta!.etag)
    expect(calls.put).toEqual([due.meta!.moving!.key, 'snapshot:meta'])
    expect(total()).toBe(2)
    expect(due.kvWrites).toBe(2)
    expect({ shards: due.meta!.shards, views: due.meta!.views }).toEqual({
      shards: first.meta!.shards,
      views: first.meta!.views,
    })
  })

  for (const [backends, perShard] of [
    [20, 100],
    [400, 10],
  ] as const) {
    it(`costs a heartbeat at most 2 KV writes, deletes and lists with ${backends} backends, values waiting to be deleted and a sweep due`, async () => {
      const store = new SnapshotPublisher(env.KV, { backendsPerShard: perShard, ...quiet })
      const first = await store.publish({ backends: states(backends) }, null, { now, heartbeatSeconds: 900 })
      // A change: it retires the old shard, chunks and fleet view, which wait for a later version.
      const changed = await store.publish(
        { backends: withDown(states(backends, later(300).toISOString()), 3) },
        first.meta,
        { now: later(300), heartbeatSeconds: 900 },
      )
      expect(changed.meta!.retired!.length).toBeGreaterThan(0)
      let previous = changed.meta!
      // Heartbeats a day apart: the daily sweep is due, and still waits for a version that writes values.
      for (const at of [1200, 1200 + SWEEP_INTERVAL_MS / 1000]) {
        const { kv, calls, total } = countingKv()
        const heartbeat = await new SnapshotPublisher(kv, { backendsPerShard: perShard, ...quiet }).publish(
          { backends: withDown(states(backends, later(at).toISOString()), 3) },
          previous,
          { now: later(at), heartbeatSeconds: 900 },
        )
        expect(heartbeat.written).toBe(true)
        expect(total()).toBeLessThanOrEqual(2)
        expect({ deletes: calls.delete.length, lists: calls.list }).toEqual({ deletes: 0, lists: 0 })
        expect(heartbeat.kvWrites).toBe(total())
        expect(heartbeat.meta!.retired).toEqual(changed.meta!.retired)
        previous = heartbeat.meta!
      }
      // The next change deletes what waited, and lists once for leftovers.
      const { kv, calls } = countingKv()
      const next = await new SnapshotPublisher(kv, { backendsPerShard: perShard, ...quiet }).publish(
        { backends: withDown(states(backends, later(90000).toISOString()), 4) },
        previous,
        { now: later(90000), heartbeatSeconds: 900 },
      )
      expect(calls.delete.sort()).toEqual(retiredKeys(changed.meta!).sort())
      expect(calls.list).toBe(1)
      expect(next.meta!.sweptAt).toBe(later(90000).toISOString())
      for (const key of retiredKeys(changed.meta!)) expect(await env.KV.get(key)).toBeNull()
    })
  }

  it('keeps what a version retired while a read of the version before may still need it: two versions on, and a minute', async () => {
    // A slow /state stream reading the first version, while two changes are published.
    const store = new SnapshotPublisher(env.KV, { backendsPerShard: 2, ...quiet })
    const first = await store.publish({ backends: states(6) }, null, { now, heartbeatSeconds: 900 })
    const second = await store.publish({ backends: withDown(states(6), 0) }, first.meta, {
      now: later(10),
      heartbeatSeconds: 900,
    })
    const firstOnly = namedBy(first.meta!).filter((key) => !namedBy(second.meta!).includes(key))
    expect(firstOnly.length).toBeGreaterThan(0)
    const third = await store.publish({ backends: withDown(withDown(states(6), 0), 5) }, second.meta, {
      now: later(20),
      heartbeatSeconds: 900,
    })
    expect(third.written).toBe(true)
    for (const key of firstOnly) expect(await env.KV.get(key), key).not.toBeNull()
    // Two versions on and a minute later, a version that writes deletes them.
    await store.publish({ backends: withDown(withDown(withDown(states(6), 0), 5), 3) }, third.meta, {
      now: later(90),
      heartbeatSeconds: 900,
    })
    for (const key of firstOnly) expect(await env.KV.get(key), key).toBeNull()
  })

  it('keeps the values of the last three versions, and deletes older ones with a version that writes values', async () => {
    const store = new SnapshotPublisher(env.KV, { backendsPerShard: 2, ...quiet })
    const named: string[][] = []
    let previous: SnapshotMeta | null = null
    for (let n = 0; n < 4; n++) {
      const { meta } = await store.publish({ backends: states(4 + n * 3) }, previous, {
        now: later(n * 100),
        heartbeatSeconds: 900,
      })
      named.push(namedBy(meta!))
      previous = meta
    }
    const kept = new Set([...named[1]!, ...named[2]!, ...named[3]!, ...MOVING_SLOTS, 'snapshot:meta'])
    expect(await storedKeys()).toEqual([...kept].sort())
    expect(named[0]!.filter((k) => !kept.has(k)).length).toBeGreaterThan(0)
  })

  it('publishes a version whose clean-up fails, with a warning instead of a failure', async () => {
    const store = new SnapshotPublisher(env.KV, { backendsPerShard: 2, ...quiet })
    let previous: SnapshotMeta | null = null
    for (let n = 0; n < 3; n++) {
      previous = (
        await store.publish({ backends: states(4 + n * 3) }, previous, { now: later(n * 100), heartbeatSeconds: 900 })
      ).meta
    }
    const failingDeletes = new Proxy(env.KV, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as (...args: unknown[]) => unknown
        if (prop === 'delete') return async () => Promise.reject(new Error('KV delete() limit exceeded for the day.'))
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const decision = await new SnapshotPublisher(failingDeletes, { backendsPerShard: 2, ...quiet }).publish(
      { backends: states(13) },
      previous,
      { now: later(300), heartbeatSeconds: 900 },
    )
    expect(decision.written).toBe(true)
    expect(decision.warning).toBe('deleting retired snapshot values: KV delete() limit exceeded for the day.')
    expect(await env.KV.get<SnapshotMeta>('snapshot:meta', 'json')).toMatchObject({ etag: decision.meta!.etag })
  })

  it('sweeps values an interrupted write left behind with the daily list, once they are older than the previous version', async () => {
    const store = new SnapshotPublisher(env.KV, quiet)
    const first = await store.publish({ backends: states(1) }, null, { now, heartbeatSeconds: 900 })
    // A write that stored a value and died before its meta.
    await env.KV.put('snapshot:blob:orphan', '{}', { metadata: { writtenAt: later(1).toISOString() } })
    const second = await store.publish({ backends: states(2) }, first.meta, { now: later(2), heartbeatSeconds: 900 })
    expect(await storedKeys()).toContain('snapshot:blob:orphan')
    const third = await store.publish({ backends: states(3) }, second.meta, { now: later(3), heartbeatSeconds: 900 })
    // Listed at most daily: still there.
    expect(await storedKeys()).toContain('snapshot:blob:orphan')
    const day = SWEEP_INTERVAL_MS / 1000
    await store.publish({ backends: states(4) }, third.meta, { now: later(3 + day), heartbeatSeconds: 900 })
    expect(await storedKeys()).not.toContain('snapshot:blob:orphan')
  })

  it("writes its moving values in the slot the previous version does not name, and a reader never takes another version's", async () => {
    const store = new SnapshotPublisher(env.KV, { backendsPerShard: 10, ...quiet })
    let previous: SnapshotMeta | null = null
    const metas: SnapshotMeta[] = []
    for (let n = 0; n < 3; n++) {
      previous = (
        await store.publish({ backends: states(5, later(n * 900).toISOString()) }, previous, {
          now: later(n * 900),
          heartbeatSeconds: 900,
        })
      ).meta!
      metas.push(previous)
    }
    expect(metas.map((m) => m.moving!.key)).toEqual([MOVING_SLOTS[0], MOVING_SLOTS[1], MOVING_SLOTS[0]])
    const reader = new SnapshotReader(env.KV, { metaMaxAgeMs: 0 })
    expect((await reader.moving(metas[1]!)).header.version).toBe(metas[1]!.etag)
    // The first version's slot now holds the third's values.
    await expect(reader.moving(metas[0]!)).rejects.toBeInstanceOf(SnapshotUnavailableError)
  })

  it('replaces a meta of the layout before views, even with unchanged content, and deletes its shards later', async () => {
    const store = new SnapshotPublisher(env.KV, quiet)
    const first = await store.publish({ backends: states(3) }, null, { now, heartbeatSeconds: 900 })
    const legacy = {
      schemaVersion: 1 as const,
      contentHash: first.meta!.contentHash,
      etag: 'legacy',
      writtenAt: later(1).toISOString(),
      shardCount: 1,
    }
    await env.KV.put('snapshot:shard:legacy:0', '{}', { metadata: { writtenAt: later(1).toISOString() } })
    const replaced = await store.publish({ backends: states(3) }, legacy, { now: later(2), heartbeatSeconds: 900 })
    expect(replaced.written).toBe(true)
    // Readers of the old layout keep its shard until the next version.
    expect(await storedKeys()).toContain('snapshot:shard:legacy:0')
    const next = await store.publish({ backends: states(4) }, replaced.meta, { now: later(3), heartbeatSeconds: 900 })
    expect(await storedKeys()).toContain('snapshot:shard:legacy:0')
    await store.publish({ backends: states(5) }, next.meta, { now: later(100), heartbeatSeconds: 900 })
    expect(await storedKeys()).not.toContain('snapshot:shard:legacy:0')
  })

  it('replaces a meta of the layout before templates, which readers answer 503 until then, and deletes its values later', async () => {
    const old = ['shard', 'shard-gz', 'index', 'models', 'openai', 'providers', 'chunk', 'metrics', 'fleet'].map(
      (name) => `snapshot:blob:old-${name}`,
    )
    for (const key of old) await env.KV.put(key, '{}', { metadata: { writtenAt: now.toISOString() } })
    await env.KV.put('snapshot:blob:old-providers', JSON.stringify({ shards: [[{ key: 'snapshot:blob:old-chunk' }]] }))
    const before = {
      schemaVersion: 2,
      contentHash: 'old',
      etag: 'old',
      writtenAt: now.toISOString(),
      backendCount: 3,
      shardCount: 1,
      shards: [{ key: old[0], count: 3, bytes: 2, gzip: { key: old[1], bytes: 2 }, contentHash: 'x' }],
      views: { index: old[2], models: old[3], openAIModels: old[4], providers: old[5], metrics: old[7], fleet: old[8] },
    } as unknown as SnapshotMeta
    await env.KV.put('snapshot:meta', JSON.stringify(before))
    const response = await call('/state', { headers: READER })
    expect(response.status).toBe(503)
    const store = new SnapshotPublisher(env.KV)
    const replaced = await store.publish({ backends: states(3) }, before, { now: later(1), heartbeatSeconds: 900 })
    expect((await call('/state', { headers: READER })).status).toBe(200)
    expect(retiredKeys(replaced.meta!).sort()).toEqual([...old].sort())
    const next = await store.publish({ backends: states(4) }, replaced.meta, { now: later(2), heartbeatSeconds: 900 })
    await store.publish({ backends: states(5) }, next.meta, { now: later(100), heartbeatSeconds: 900 })
    const stored = await storedKeys()
    expect(old.filter((key) => stored.includes(key))).toEqual([])
  })
})

describe('reading after a heartbeat', () => {
  it('serves the new timestamps, with a new ETag, from every read that shows them', async () => {
    const store = new SnapshotPublisher(env.KV, { backendsPerShard: 3 })
    const first = await store.publish({ backends: states(8) }, null, { now, heartbeatSeconds: 900 })
    const read = async (path: string, headers: Record<string, string> = {}) => {
      const response = await call(path, { headers: { ...READER, ...headers } })
      expect(response.status).toBe(200)
      return { etag: response.headers.get('ETag'), text: await response.text() }
    }
    const paths = ['/state', '/state/b0004', '/state?limit=5', '/providers?capability=chat', '/metrics', '/']
    const before = await Promise.all(paths.map((p) => read(p)))
    const gzipBefore = await read('/state', { 'Accept-Encoding': 'gzip' })

    const beat = later(900).toISOString()
    const { kv, total } = countingKv()
    const heartbeat = await new SnapshotPublisher(kv, { backendsPerShard: 3 }).publish(
      { backends: states(8, beat) },
      first.meta,
      {
        now: later(900),
        heartbeatSeconds: 900,
      },
    )
    expect(total()).toBe(2)
    const after = await Promise.all(paths.map((p) => read(p)))
    const gzipAfter = await read('/state', { 'Accept-Encoding': 'gzip' })

    expect(after[0]!.text).toBe(JSON.stringify(states(8, beat)))
    expect(gzipAfter.text).toBe(after[0]!.text)
    expect(gzipAfter.etag).not.toBe(gzipBefore.etag)
    expect(JSON.parse(after[1]!.text)).toMatchObject({ id: 'b0004', checkedAt: beat, lastSuccessAt: beat })
    expect(JSON.parse(after[2]!.text)).toEqual(states(5, beat))
    const providers = JSON.parse(after[3]!.text) as { observedAt: string }[]
    expect(providers.length).toBe(16)
    expect(providers.every((p) => p.observedAt === beat)).toBe(true)
    expect(after[4]!.text).toContain(`runtimestate_snapshot_age_seconds`)
    expect(after[4]!.text).not.toBe(before[4]!.text)
    for (const [i, path] of paths.entries()) {
      if (path === '/metrics' || path === '/') continue
      expect(after[i]!.etag, path).not.toBe(before[i]!.etag)
      expect(after[i]!.etag!.slice(1, 33)).toBe(heartbeat.meta!.etag)
    }
    expect(after[5]!.etag).not.toBe(before[5]!.etag)
  })
})
