import { listDefaults, memoryDetailCache } from '../../test/support/providers'
import { describe, expect, it, vi } from 'vitest'
import { type CachedModelList, ModelCache } from '../kv/model-cache'
import { adapters } from '../providers'
import type { BackendRecord } from '../published/types'
import { credentialFingerprint } from '../secrets'
import { type ProbeDeps, probeBackend } from './probe'

const CREDENTIAL = { kind: 'value', value: 'sk-test-probe-stub' } as const
const BACKEND: BackendRecord = {
  id: 'or-1',
  name: 'openrouter',
  baseUrl: 'https://or.example/api/v1',
  type: 'openrouter',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
}

/** A tiny in-memory KV whose put can be made to fail (as KV does past its daily write limit). */
function memoryKv(putError?: Error) {
  const values = new Map<string, string>()
  const kv = {
    put: async (key: string, value: string) => {
      if (putError) throw putError
      values.set(key, value)
    },
  } as unknown as KVNamespace
  return { kv, values }
}

/** Answers OpenRouter's two lists with one model each. */
const listing = (async (input: RequestInfo | URL) => {
  const url = new URL(input instanceof Request ? input.url : input)
  const id = url.pathname.endsWith('/embeddings/models') ? 'e/embed' : 'a/chat'
  return Response.json({
    data: [
      {
        id,
        context_length: 100,
        architecture: { input_modalities: ['text'], output_modalities: ['text'] },
        supported_parameters: [],
      },
    ],
  })
}) as typeof fetch

function deps(kv: KVNamespace, extra: Partial<ProbeDeps> = {}): ProbeDeps {
  return {
    fetch: listing,
    timeoutMs: 5_000,
    cache: new ModelCache(kv, 3600),
    cached: new Map(),
    detailCache: () => memoryDetailCache(),
    now: () => new Date('2026-02-01T00:00:00.000Z'),
    maxResponseBytes: 8 * 1024 * 1024,
    maxModelsPerBackend: 5000,
    ...extra,
  }
}

describe('probeBackend and the model-list cache', () => {
  it('keeps a successful listing when the cache cannot be written: a logged warning, no KV write counted', async () => {
    const { kv, values } = memoryKv(new Error('KV put() limit exceeded for the day.'))
    const logged: string[] = []
    const warn = vi.spyOn(console, 'warn').mockImplementation((line: unknown) => void logged.push(String(line)))
    const result = await probeBackend(BACKEND, 'openrouter', adapters.openrouter, CREDENTIAL, deps(kv)).finally(() =>
      warn.mockRestore(),
    )
    expect(result.cacheHit).toBe(false)
    expect(result.kvWrites).toBe(0)
    expect(result.outcome.ok).toBe(true)
    if (!result.outcome.ok) return
    expect(result.outcome.models.map((m) => m.name)).toEqual(['a/chat', 'e/embed'])
    // The backend's own warnings stay empty: a cache that could not be written does not degrade it.
    expect(result.outcome.warnings).toEqual([])
    expect(logged.map((l) => JSON.parse(l) as unknown)).toEqual([
      { msg: 'model list cache not written', backendId: BACKEND.id, error: 'KV put() limit exceeded for the day.' },
    ])
    expect(values.size).toBe(0)
  })

  it('writes the listing with its warnings and a fingerprint keyed by the secrets key', async () => {
    const { kv, values } = memoryKv()
    const result = await probeBackend(
      BACKEND,
      'openrouter',
      adapters.openrouter,
      CREDENTIAL,
      deps(kv, { secretsKey: 'probe-test-secrets-key' }),
    )
    expect(result).toMatchObject({ cacheHit: false, kvWrites: 1, outcome: { ok: true, warnings: [] } })
    const entry = JSON.parse(values.get('prov:or-1')!) as CachedModelList
    expect(entry.warnings).toEqual([])
    expect(entry.fingerprint).toBe(
      await credentialFingerprint(
        { type: 'openrouter', baseUrl: BACKEND.baseUrl, credential: CREDENTIAL.value },
        'probe-test-secrets-key',
      ),
    )
    expect(JSON.stringify(entry)).not.toContain(CREDENTIAL.value)
  })

  it('serves a cached list with the warnings it was stored with, and none for an entry that has none', async () => {
    const fingerprint = await credentialFingerprint({
      type: 'openrouter',
      baseUrl: BACKEND.baseUrl,
      credential: CREDENTIAL.value,
    })
    const { kv } = memoryKv(new Error('no write expected'))
    const models = (
      await adapters.openrouter.listModels({
        baseUrl: BACKEND.baseUrl,
        credential: CREDENTIAL.value,
        fetch: listing,
        signal: new AbortController().signal,
        ...listDefaults(),
      })
    ).models
    const entry: CachedModelList = {
      schemaVersion: 2,
      fingerprint,
      observedAt: '2026-01-31T00:00:00.000Z',
      models,
      warnings: ['one model lacks details'],
    }
    const noFetch = (async () => {
      throw new Error('a cache hit must not call the provider')
    }) as typeof fetch
    const hit = await probeBackend(
      BACKEND,
      'openrouter',
      adapters.openrouter,
      CREDENTIAL,
      deps(kv, { fetch: noFetch, cached: new Map([[BACKEND.id, entry]]) }),
    )
    expect(hit).toMatchObject({ cacheHit: true, kvWrites: 0, outcome: { ok: true, fromCache: true } })
    expect(hit.outcome.ok && hit.outcome.warnings).toEqual(['one model lacks details'])

    const { warnings: _dropped, ...older } = entry
    const olderHit = await probeBackend(
      BACKEND,
      'openrouter',
      adapters.openrouter,
      CREDENTIAL,
      deps(kv, { fetch: noFetch, cached: new Map([[BACKEND.id, older]]) }),
    )
    expect(olderHit.outcome.ok && olderHit.outcome.warnings).toEqual([])

    // The same entry does not match a fingerprint keyed by a secrets key: a miss, so a listing.
    const keyed = await probeBackend(
      BACKEND,
      'openrouter',
      adapters.openrouter,
      CREDENTIAL,
      deps(memoryKv().kv, { secretsKey: 'probe-test-secrets-key', cached: new Map([[BACKEND.id, entry]]) }),
    )
    expect(keyed).toMatchObject({ cacheHit: false, kvWrites: 1 })
  })
})
