import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { BACKENDS_PER_SHARD, SnapshotStore } from '../src/kv/snapshot-store'
import type { BackendRuntimeState } from '../src/published/types'
import { resetAll } from './helpers'

beforeEach(resetAll)

function states(count: number, checkedAt = '2026-11-27T12:00:00.000Z'): BackendRuntimeState[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `b${String(i).padStart(4, '0')}`,
    name: `backend-${String(i).padStart(4, '0')}`,
    models: [],
    pulledModels: [],
    backend: { id: `b${i}`, name: `backend-${i}`, baseUrl: 'http://x', type: 'vllm', createdAt: '', updatedAt: '' },
    status: 'healthy',
    checkedAt,
    lastSuccessAt: checkedAt,
    consecutiveFailures: 0,
    latencyMs: 3,
  }))
}

async function shardKeys(): Promise<string[]> {
  return (await env.KV.list({ prefix: 'snapshot:shard:' })).keys.map((k) => k.name).sort()
}

const now = new Date('2026-11-27T12:00:00.000Z')
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000)

describe('SnapshotStore', () => {
  it('splits a large fleet into shards and reads it back whole, in order', async () => {
    const store = new SnapshotStore(env.KV)
    const fleet = states(BACKENDS_PER_SHARD * 2 + 50)
    const decision = await store.write({ backends: fleet }, null, { now, heartbeatSeconds: 900 })
    expect(decision).toMatchObject({ written: true, kvWrites: 4, meta: { shardCount: 3, backendCount: 250 } })
    const { snapshot } = await store.read()
    expect(snapshot.backends).toEqual(fleet)
  })

  it('deletes shards a smaller fleet no longer needs, once readers of the previous version are served', async () => {
    const store = new SnapshotStore(env.KV)
    const first = await store.write({ backends: states(250) }, null, { now, heartbeatSeconds: 900 })
    const second = await store.write({ backends: states(10) }, first.meta, { now: later(1), heartbeatSeconds: 900 })
    // The previous version stays whole for readers whose cached meta still names it.
    expect(await shardKeys()).toEqual(
      [
        ...[0, 1, 2].map((i) => `snapshot:shard:${first.meta!.etag}:${i}`),
        `snapshot:shard:${second.meta!.etag}:0`,
      ].sort(),
    )
    expect((await store.read(first.meta)).snapshot.backends).toHaveLength(250)
    const third = await store.write({ backends: states(10) }, second.meta, { now: later(1000), heartbeatSeconds: 900 })
    expect(third).toMatchObject({ written: true, kvWrites: 1 + 1 + 3 })
    expect(await shardKeys()).toEqual(
      [`snapshot:shard:${second.meta!.etag}:0`, `snapshot:shard:${third.meta!.etag}:0`].sort(),
    )
    expect((await store.read()).snapshot.backends).toHaveLength(10)
  })

  it('keeps exactly two versions of shards after three writes, with no expiry on any', async () => {
    const store = new SnapshotStore(env.KV, { backendsPerShard: 2 })
    let meta = null
    const etags: string[] = []
    for (let n = 0; n < 3; n++) {
      const decision = await store.write({ backends: states(4 + n) }, meta, { now: later(n), heartbeatSeconds: 900 })
      meta = decision.meta
      etags.push(meta!.etag)
    }
    const keys = await shardKeys()
    expect(keys).toEqual(
      [
        ...[0, 1, 2].map((i) => `snapshot:shard:${etags[1]}:${i}`),
        ...[0, 1, 2].map((i) => `snapshot:shard:${etags[2]}:${i}`),
      ].sort(),
    )
    expect(meta).toMatchObject({ etag: etags[2], shardCount: 3 })
    const listed = (await env.KV.list({ prefix: 'snapshot:' })).keys
    expect(listed.every((k) => k.expiration === undefined)).toBe(true)
  })

  it('sweeps shards an interrupted write left behind, once they are older than the previous version', async () => {
    const store = new SnapshotStore(env.KV)
    const first = await store.write({ backends: states(1) }, null, { now, heartbeatSeconds: 900 })
    // A write that stored its shard and died before its meta.
    await env.KV.put('snapshot:shard:orphan:0', '{}', { metadata: { writtenAt: later(1).toISOString() } })
    const second = await store.write({ backends: states(2) }, first.meta, { now: later(2), heartbeatSeconds: 900 })
    expect(await shardKeys()).toContain('snapshot:shard:orphan:0')
    const third = await store.write({ backends: states(3) }, second.meta, { now: later(3), heartbeatSeconds: 900 })
    expect(await shardKeys()).toEqual(
      [`snapshot:shard:${second.meta!.etag}:0`, `snapshot:shard:${third.meta!.etag}:0`].sort(),
    )
  })

  it('reads more than 100 shards back whole (bulk reads take at most 100 keys)', async () => {
    const store = new SnapshotStore(env.KV, { backendsPerShard: 1 })
    const fleet = states(101)
    const decision = await store.write({ backends: fleet }, null, { now, heartbeatSeconds: 900 })
    expect(decision.meta).toMatchObject({ shardCount: 101, backendCount: 101 })
    expect(await store.read()).toEqual({ meta: decision.meta, snapshot: { backends: fleet }, complete: true })
  })

  it('reports a snapshot incomplete when a shard is missing or belongs to another version', async () => {
    const store = new SnapshotStore(env.KV, { backendsPerShard: 2 })
    const { meta } = await store.write({ backends: states(6) }, null, { now, heartbeatSeconds: 900 })
    const key = `snapshot:shard:${meta!.etag}:1`
    const shard = JSON.parse((await env.KV.get(key))!) as { etag: string }
    await env.KV.put(key, JSON.stringify({ ...shard, etag: 'someone-else' }))
    const mismatched = await store.read()
    expect(mismatched.complete).toBe(false)
    // What does belong to the version is still there, for the cycle's previous snapshot.
    expect(mismatched.snapshot.backends.map((b) => b.id)).toEqual(['b0000', 'b0001', 'b0004', 'b0005'])
    await env.KV.delete(key)
    expect((await store.read()).complete).toBe(false)
  })

  it('skips the write when only timestamps changed, until the heartbeat is due', async () => {
    const store = new SnapshotStore(env.KV)
    const first = await store.write({ backends: states(3) }, null, { now, heartbeatSeconds: 900 })
    const quiet = await store.write({ backends: states(3, later(60).toISOString()) }, first.meta, {
      now: later(60),
      heartbeatSeconds: 900,
    })
    expect(quiet).toEqual({ written: false, kvWrites: 0, meta: first.meta })
    const due = await store.write({ backends: states(3, later(901).toISOString()) }, first.meta, {
      now: later(901),
      heartbeatSeconds: 900,
    })
    expect(due.written).toBe(true)
    expect(due.meta!.contentHash).toBe(first.meta!.contentHash)
    expect(due.meta!.etag).not.toBe(first.meta!.etag)
  })

  it('reads an empty snapshot when nothing was ever written', async () => {
    expect(await new SnapshotStore(env.KV).read()).toEqual({ meta: null, snapshot: { backends: [] }, complete: true })
  })
})
