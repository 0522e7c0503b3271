import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { SnapshotStore } from '../src/kv/snapshot-store'
import { backendState, servedModel } from '../src/published/testing'
import type { BackendRuntimeState, SnapshotMeta } from '../src/published/types'
import { resetAll, spyingKv } from './helpers'

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
    backendState(`b${String(i).padStart(4, '0')}`, { pulledModels, checkedAt, lastSuccessAt: checkedAt }),
  )
}

async function storedKeys(): Promise<string[]> {
  return (await env.KV.list({ prefix: 'snapshot:' })).keys.map((k) => k.name).sort()
}

async function namedBy(meta: SnapshotMeta): Promise<string[]> {
  const directory = (await env.KV.get(meta.views.providers, 'json')) as { shards: { key: string }[][] }
  return [
    ...meta.shards.flatMap((s) => [s.key, s.gzip.key]),
    ...Object.values(meta.views).filter((k): k is string => k !== null),
    ...directory.shards.flat().map((c) => c.key),
  ]
}

const quiet = { announce: () => {} }

describe('SnapshotStore', () => {
  it('publishes a fleet as shards of about the set size, each value under a key made of its bytes', async () => {
    const store = new SnapshotStore(env.KV, { backendsPerShard: 10, ...quiet })
    const { meta, kvWrites } = await store.write({ backends: states(250) }, null, { now, heartbeatSeconds: 900 })
    expect(meta).toMatchObject({ schemaVersion: 2, backendCount: 250 })
    expect(meta!.shards.reduce((n, s) => n + s.count, 0)).toBe(250)
    expect(meta!.shards.every((s) => s.count <= 20)).toBe(true)
    expect(meta!.shardCount).toBe(meta!.shards.length)
    expect(meta!.shardCount).toBeGreaterThan(5)
    const named = await namedBy(meta!)
    expect(named.every((key) => /^snapshot:blob:[0-9a-f]{32}$/.test(key))).toBe(true)
    // Every value once, plus the meta; nothing else stored.
    expect(kvWrites).toBe(new Set(named).size + 1)
    expect(await storedKeys()).toEqual([...new Set(named), 'snapshot:meta'].sort())
    const listed = (await env.KV.list({ prefix: 'snapshot:' })).keys
    expect(listed.every((k) => k.expiration === undefined)).toBe(true)
  })

  it('rewrites only the changed shard, its /providers chunks, the views it touches and the meta when one backend changes', async () => {
    const store = new SnapshotStore(env.KV, { backendsPerShard: 10, ...quiet })
    const fleet = states(300)
    const first = await store.write({ backends: fleet }, null, { now, heartbeatSeconds: 900 })
    const { kv, puts } = spyingKv()
    // A later cycle: every backend's timestamps moved, one backend went down.
    const changed = states(300, later(60).toISOString()).map((b, i) =>
      i === 137 ? { ...b, status: 'down' as const, error: 'unreachable', errorKind: 'network' as const } : b,
    )
    const second = await new SnapshotStore(kv, { backendsPerShard: 10, ...quiet }).write(
      { backends: changed },
      first.meta,
      { now: later(60), heartbeatSeconds: 900 },
    )
    const changedShards = second.meta!.shards.filter((s, i) => s.key !== first.meta!.shards[i]!.key)
    expect(changedShards).toHaveLength(1)
    const directory = (await env.KV.get(second.meta!.views.providers, 'json')) as { shards: { key: string }[][] }
    const shardIndex = second.meta!.shards.indexOf(changedShards[0]!)
    const allowed = new Set([
      changedShards[0]!.key,
      changedShards[0]!.gzip.key,
      ...directory.shards[shardIndex]!.map((c) => c.key),
      second.meta!.views.providers,
      second.meta!.views.metrics,
      second.meta!.views.fleet,
      'snapshot:meta',
    ])
    expect(puts.every((key) => allowed.has(key))).toBe(true)
    expect(puts.length).toBeLessThanOrEqual(allowed.size)
    // Same backends and models: the index and the model views are the previous version's.
    expect(second.meta!.views.index).toBe(first.meta!.views.index)
    expect(second.meta!.views.models).toBe(first.meta!.views.models)
  })

  it('makes no write when only timestamps changed, until the heartbeat rewrites the shards and the meta', async () => {
    const store = new SnapshotStore(env.KV, { backendsPerShard: 10, ...quiet })
    const first = await store.write({ backends: states(30) }, null, { now, heartbeatSeconds: 900 })
    const quietWrite = await store.write({ backends: states(30, later(60).toISOString()) }, first.meta, {
      now: later(60),
      heartbeatSeconds: 900,
    })
    expect(quietWrite).toEqual({ written: false, kvWrites: 0, meta: first.meta })
    const { kv, puts } = spyingKv()
    const due = await new SnapshotStore(kv, { backendsPerShard: 10, ...quiet }).write(
      { backends: states(30, later(901).toISOString()) },
      first.meta,
      { now: later(901), heartbeatSeconds: 900 },
    )
    expect(due.written).toBe(true)
    expect(due.meta!.contentHash).toBe(first.meta!.contentHash)
    expect(due.meta!.etag).not.toBe(first.meta!.etag)
    // The shards, their gzip and their /providers chunks (the timestamps moved), the directory naming
    // the chunks, the metrics, the status pages' fleet view and the meta; not the index or the model views.
    const directory = (await env.KV.get(due.meta!.views.providers, 'json')) as { shards: { key: string }[][] }
    expect(puts.sort()).toEqual(
      [
        ...due.meta!.shards.flatMap((s) => [s.key, s.gzip.key]),
        ...directory.shards.flat().map((c) => c.key),
        due.meta!.views.providers,
        due.meta!.views.metrics,
        due.meta!.views.fleet,
        'snapshot:meta',
      ].sort(),
    )
    const { index, models, openAIModels } = due.meta!.views
    expect({ index, models, openAIModels }).toEqual({
      index: first.meta!.views.index,
      models: first.meta!.views.models,
      openAIModels: first.meta!.views.openAIModels,
    })
  })

  it('republishes a version from before the status pages, whose meta names no fleet view', async () => {
    const store = new SnapshotStore(env.KV, { backendsPerShard: 10, ...quiet })
    const first = await store.write({ backends: states(12) }, null, { now, heartbeatSeconds: 900 })
    const { fleet, ...olderViews } = first.meta!.views
    expect(fleet).toEqual(expect.any(String))
    const older = { ...first.meta!, views: olderViews } as unknown as SnapshotMeta
    const again = await store.write({ backends: states(12) }, older, { now: later(60), heartbeatSeconds: 900 })
    expect(again.written).toBe(true)
    expect(again.meta!.views.fleet).toEqual(expect.any(String))
    expect(await env.KV.get(again.meta!.views.fleet!, 'json')).toMatchObject({ backends: expect.any(Array) })
  })

  it('keeps the values of this version and the previous one, and sweeps older ones', async () => {
    const store = new SnapshotStore(env.KV, { backendsPerShard: 2, ...quiet })
    const named: string[][] = []
    let previous: SnapshotMeta | null = null
    for (let n = 0; n < 3; n++) {
      const { meta } = await store.write({ backends: states(4 + n * 3) }, previous, {
        now: later(n),
        heartbeatSeconds: 900,
      })
      named.push(await namedBy(meta!))
      previous = meta
    }
    const kept = new Set([...named[1]!, ...named[2]!, 'snapshot:meta'])
    expect(await storedKeys()).toEqual([...kept].sort())
    expect(named[0]!.filter((k) => !kept.has(k)).length).toBeGreaterThan(0)
  })

  it('sweeps values an interrupted write left behind, once they are older than the previous version', async () => {
    const store = new SnapshotStore(env.KV, quiet)
    const first = await store.write({ backends: states(1) }, null, { now, heartbeatSeconds: 900 })
    // A write that stored a value and died before its meta.
    await env.KV.put('snapshot:blob:orphan', '{}', { metadata: { writtenAt: later(1).toISOString() } })
    const second = await store.write({ backends: states(2) }, first.meta, { now: later(2), heartbeatSeconds: 900 })
    expect(await storedKeys()).toContain('snapshot:blob:orphan')
    await store.write({ backends: states(3) }, second.meta, { now: later(3), heartbeatSeconds: 900 })
    expect(await storedKeys()).not.toContain('snapshot:blob:orphan')
  })

  it('replaces a meta of the layout before views, even with unchanged content, and sweeps its shards later', async () => {
    const store = new SnapshotStore(env.KV, quiet)
    const first = await store.write({ backends: states(3) }, null, { now, heartbeatSeconds: 900 })
    const legacy = {
      schemaVersion: 1 as const,
      contentHash: first.meta!.contentHash,
      etag: 'legacy',
      writtenAt: later(1).toISOString(),
      shardCount: 1,
    }
    await env.KV.put('snapshot:shard:legacy:0', '{}', { metadata: { writtenAt: later(1).toISOString() } })
    const replaced = await store.write({ backends: states(3) }, legacy, { now: later(2), heartbeatSeconds: 900 })
    expect(replaced.written).toBe(true)
    // Readers of the old layout keep its shard until the next version.
    expect(await storedKeys()).toContain('snapshot:shard:legacy:0')
    await store.write({ backends: states(4) }, replaced.meta, { now: later(3), heartbeatSeconds: 900 })
    expect(await storedKeys()).not.toContain('snapshot:shard:legacy:0')
  })
})
