import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { BACKENDS_PER_SHARD, SnapshotStore } from '../src/kv/snapshot-store'
import type { BackendRuntimeState } from '../src/reconcile/types'
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

  it('deletes shards a smaller fleet no longer needs', async () => {
    const store = new SnapshotStore(env.KV)
    const first = await store.write({ backends: states(250) }, null, { now, heartbeatSeconds: 900 })
    await store.write({ backends: states(10) }, first.meta, { now: later(1), heartbeatSeconds: 900 })
    const keys = (await env.KV.list({ prefix: 'snapshot:' })).keys.map((k) => k.name).sort()
    expect(keys).toEqual(['snapshot:meta', 'snapshot:shard:0'])
    expect((await store.read()).snapshot.backends).toHaveLength(10)
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
    expect(await new SnapshotStore(env.KV).read()).toEqual({ meta: null, snapshot: { backends: [] } })
  })
})
