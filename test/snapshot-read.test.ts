import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { SnapshotStore } from '../src/kv/snapshot-store'
import type { BackendRuntimeState } from '../src/published/types'
import { call, READER, resetAll } from './helpers'

beforeEach(resetAll)

function states(count: number): BackendRuntimeState[] {
  const at = '2026-11-27T12:00:00.000Z'
  return Array.from({ length: count }, (_, i) => ({
    id: `b${i}`,
    name: `backend-${i}`,
    models: [],
    pulledModels: [],
    backend: { id: `b${i}`, name: `backend-${i}`, baseUrl: 'http://x', type: 'vllm', createdAt: '', updatedAt: '' },
    status: 'healthy',
    checkedAt: at,
    lastSuccessAt: at,
    consecutiveFailures: 0,
    latencyMs: 3,
  }))
}

async function publish(count: number) {
  const store = new SnapshotStore(env.KV, { backendsPerShard: 2 })
  const { meta } = await store.write({ backends: states(count) }, null, { now: new Date(), heartbeatSeconds: 900 })
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

describe('snapshot reads', () => {
  it('serves a sharded snapshot whole', async () => {
    await publish(5)
    const response = await call('/state', { headers: READER })
    expect(response.status).toBe(200)
    expect(((await response.json()) as BackendRuntimeState[]).map((b) => b.id)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4'])
  })

  it('answers 503 with Retry-After when a shard belongs to another version than the meta', async () => {
    const meta = await publish(5)
    const key = `snapshot:shard:${meta.etag}:1`
    const shard = JSON.parse((await env.KV.get(key))!) as { etag: string }
    await env.KV.put(key, JSON.stringify({ ...shard, etag: 'an-older-version' }))
    await expectUnavailable(await call('/state', { headers: READER }))
    await expectUnavailable(await call('/v1/models', { headers: READER }))
  })

  it('answers 503 with Retry-After when a shard the meta names is missing', async () => {
    const meta = await publish(5)
    await env.KV.delete(`snapshot:shard:${meta.etag}:2`)
    await expectUnavailable(await call('/state/b0', { headers: READER }))
  })

  it('answers an unknown backend 404 without an ETag, so it can never revalidate to 304', async () => {
    await publish(3)
    const missing = await call('/state/nope', { headers: READER })
    expect(missing.status).toBe(404)
    expect(missing.headers.get('ETag')).toBeNull()
    expect(missing.headers.get('Cache-Control')).not.toBe('private, no-cache')
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('backend_not_found')
    const found = await call('/state/b1', { headers: READER })
    expect(found.status).toBe(200)
    const etag = found.headers.get('ETag')!
    expect(etag).toMatch(/^".+"$/)
    const again = await call('/state/b1', { headers: { ...READER, 'If-None-Match': etag } })
    expect(again.status).toBe(304)
    expect(again.headers.get('ETag')).toBe(etag)
  })

  it('answers 404 without an ETag before any snapshot was published', async () => {
    const missing = await call('/state/nope', { headers: READER })
    expect(missing.status).toBe(404)
    expect(missing.headers.get('ETag')).toBeNull()
  })
})

describe("the isolate's copy of the snapshot", () => {
  const ids = async (response: Response) => ((await response.json()) as BackendRuntimeState[]).map((b) => b.id)
  const shardKeys = async () => (await env.KV.list({ prefix: 'snapshot:shard:' })).keys.map((k) => k.name)

  it('serves a version it has read without reading its shards again, and switches when a new one is published', async () => {
    await publish(3)
    expect(await ids(await call('/state', { headers: READER }))).toEqual(['b0', 'b1', 'b2'])
    expect((await call('/state/b1', { headers: READER })).status).toBe(200)
    // Shards gone from KV: the same version still answers, from memory, with the same body.
    for (const key of await shardKeys()) await env.KV.delete(key)
    expect(await ids(await call('/state', { headers: READER }))).toEqual(['b0', 'b1', 'b2'])
    expect(((await (await call('/state/b1', { headers: READER })).json()) as BackendRuntimeState).id).toBe('b1')

    await publish(5)
    expect(await ids(await call('/state', { headers: READER }))).toEqual(['b0', 'b1', 'b2', 'b3', 'b4'])
  })

  it('never answers a newer version from an older copy: a newer one that is incomplete is a 503', async () => {
    await publish(3)
    expect((await call('/state', { headers: READER })).status).toBe(200)
    const newer = await publish(5)
    await env.KV.delete(`snapshot:shard:${newer.etag}:2`)
    await expectUnavailable(await call('/state', { headers: READER }))
  })
})
