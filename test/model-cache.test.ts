import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { GENERATION_KEY, ModelCache, modelCacheKey } from '../src/kv/model-cache'
import {
  ADMIN,
  FAKE_HOST,
  READER,
  adminJson,
  call,
  createBackend,
  fake,
  fakeCalls,
  resetAll,
  runScheduled,
} from './helpers'

beforeEach(resetAll)

const KEY = 'sk-test-cache-0000'

async function refresh(): Promise<{ outcome: string; cacheHits: number }> {
  const response = await adminJson('POST', '/setup/refresh')
  expect(response.status).toBe(200)
  return await response.json<{ outcome: string; cacheHits: number }>()
}

/** The Worker's own KV, counting the operations made through it. */
function countedKv() {
  const counts = { ops: 0 }
  const kv = new Proxy(env.KV, {
    get(target, name) {
      const value = Reflect.get(target, name) as unknown
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        counts.ops++
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { kv, counts }
}

describe('DELETE /cache', () => {
  it('makes the next cycle list again, and the one after serve what that listing cached', async () => {
    const id = await createBackend('openai', 'openai', `${fake('openai', 'ok', 'mc1')}/v1`)
    await adminJson('POST', '/providers/openai/configure', { hosts: [FAKE_HOST], apiKey: KEY })
    await runScheduled()
    expect(await fakeCalls('/openai/ok/mc1')).toHaveLength(1)
    expect(await refresh()).toMatchObject({ outcome: 'ok', cacheHits: 1 })
    expect(await fakeCalls('/openai/ok/mc1')).toHaveLength(1)

    const cleared = await adminJson('DELETE', '/cache')
    expect(cleared.status).toBe(200)
    expect(await cleared.json()).toEqual({ cleared: 1, generation: 1 })
    // Still in KV until its TTL: the generation, not a delete, keeps it from being served.
    expect(await env.KV.get(modelCacheKey(id))).not.toBeNull()

    expect(await refresh()).toMatchObject({ outcome: 'ok', cacheHits: 0 })
    expect(await fakeCalls('/openai/ok/mc1')).toHaveLength(2)
    expect(JSON.parse((await env.KV.get(modelCacheKey(id)))!)).toMatchObject({ generation: 1 })
    expect(await refresh()).toMatchObject({ outcome: 'ok', cacheHits: 1 })
    expect(await fakeCalls('/openai/ok/mc1')).toHaveLength(2)

    expect(await adminJson('DELETE', '/cache').then((r) => r.json())).toEqual({ cleared: 2, generation: 2 })
    expect(await refresh()).toMatchObject({ outcome: 'ok', cacheHits: 0 })
    expect(await fakeCalls('/openai/ok/mc1')).toHaveLength(3)
  })

  it("clears one backend's list with DELETE /cache/:backendId, and leaves other keys alone", async () => {
    const a = await createBackend('a', 'openai', `${fake('openai', 'ok', 'mc2')}/v1`)
    const b = await createBackend('b', 'openai', `${fake('openai', 'ok', 'mc3')}/v1`)
    await adminJson('POST', '/providers/openai/configure', { hosts: [FAKE_HOST], apiKey: KEY })
    await runScheduled()
    expect(await adminJson('DELETE', `/cache/${a}`).then((r) => r.json())).toEqual({ invalidated: a })
    expect(await env.KV.get(modelCacheKey(a))).toBeNull()
    expect(await env.KV.get(modelCacheKey(b))).not.toBeNull()
    expect(await refresh()).toMatchObject({ outcome: 'ok', cacheHits: 1 })
    expect(await fakeCalls('/openai/ok/mc2')).toHaveLength(2)
    expect(await fakeCalls('/openai/ok/mc3')).toHaveLength(1)

    // No backend id reaches the generation: clearing "generation" leaves the clear in force.
    await adminJson('DELETE', '/cache')
    expect((await adminJson('DELETE', '/cache/generation')).status).toBe(200)
    expect(await env.KV.get(GENERATION_KEY)).toBe('1')
    expect(await env.KV.get('snapshot:meta')).not.toBeNull()
    expect((await call('/cache', { method: 'DELETE', headers: READER })).status).toBe(403)
    expect((await call('/cache', { method: 'DELETE', headers: ADMIN })).status).toBe(200)
  })
})

describe('the model cache on KV', () => {
  it('reads 250 entries in 3 bulk reads with the generation, and clears them in 2 operations', async () => {
    const { kv, counts } = countedKv()
    const ids = Array.from({ length: 250 }, (_, i) => `kv-${i}`)
    const entry = { fingerprint: 'f', observedAt: new Date().toISOString(), models: [], warnings: [] }
    await Promise.all(ids.map((id) => new ModelCache(env.KV, 3600).put(id, entry)))

    expect((await new ModelCache(kv, 3600).getMany(ids)).size).toBe(250)
    expect(counts.ops).toBe(3)
    expect(await new ModelCache(kv, 3600).clear()).toBe(1)
    expect(counts.ops).toBe(5)
    expect((await new ModelCache(kv, 3600).getMany(ids)).size).toBe(0)
    expect(counts.ops).toBe(8)
  })
})
