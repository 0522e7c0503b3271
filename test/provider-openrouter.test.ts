import { beforeEach, describe, expect, it } from 'vitest'
import { declaredModels } from '../src/db/schema'
import { OPENROUTER_ROWS } from '../src/providers/openrouter/expected-rows'
import {
  FAKE_HOST,
  adminJson,
  asRow,
  createBackend,
  fake,
  fakeCalls,
  readState,
  resetAll,
  runScheduled,
  stateOf,
  withDb,
} from './helpers'

const KEY = 'sk-test-or-0000'

beforeEach(resetAll)

/** A fake OpenRouter base: the adapter appends `/models` and `/embeddings/models`. */
const base = (behaviour: string, id: string) => `${fake('openrouter', behaviour, id)}/api/v1`

describe('openrouter through a full cycle', () => {
  it('publishes the README rows of both lists, merged by id, from two authorised calls', async () => {
    await createBackend('openrouter', 'openrouter', base('ok', 'or-rows'))
    await adminJson('POST', '/providers/openrouter/configure', { hosts: [FAKE_HOST], apiKey: KEY })
    await runScheduled()

    const state = await stateOf('openrouter')
    expect(state).toMatchObject({ status: 'healthy', consecutiveFailures: 0 })
    expect(state.error).toBeUndefined()
    expect(state.pulledModels.map(asRow)).toEqual(OPENROUTER_ROWS)
    expect(state.models).not.toContain('black-forest-labs/flux.2-pro')
    expect(state.pulledModels.filter((m) => m.model === 'openai/text-embedding-3-small')).toHaveLength(1)

    const calls = await fakeCalls('/openrouter/ok/or-rows/')
    expect(calls.map((c) => c.path).sort()).toEqual([
      '/openrouter/ok/or-rows/api/v1/embeddings/models',
      '/openrouter/ok/or-rows/api/v1/models?output_modalities=all',
    ])
    expect(calls.every((c) => c.authorized)).toBe(true)
  })

  it('makes no call without a key', async () => {
    await createBackend('openrouter', 'openrouter', base('ok', 'or-nokey'))
    await runScheduled()
    expect(await stateOf('openrouter')).toMatchObject({
      status: 'unconfigured',
      errorKind: 'unconfigured',
      error: 'API key not configured',
      pulledModels: [],
    })
    expect(await fakeCalls('/openrouter/ok/or-nokey/')).toEqual([])
  })

  it('reports a rejected key as auth and a rate limit as rate_limited', async () => {
    await createBackend('unauthorized', 'openrouter', base('status-401', 'or-401'))
    await createBackend('limited', 'openrouter', base('status-429', 'or-429'))
    await adminJson('POST', '/providers/openrouter/configure', { hosts: [FAKE_HOST], apiKey: KEY })
    await runScheduled()

    const unauthorized = await stateOf('unauthorized')
    expect(unauthorized).toMatchObject({ status: 'down', errorKind: 'auth', pulledModels: [] })
    expect(unauthorized.error).toMatch(
      /^openrouter (embeddings )?catalog returned 401: .*Missing Authentication header/s,
    )
    const limited = await stateOf('limited')
    expect(limited).toMatchObject({ status: 'degraded', errorKind: 'rate_limited', pulledModels: [] })
    expect(limited.error).toMatch(/^openrouter (embeddings )?catalog returned 429: .*Rate limit exceeded/s)
  })

  it('fails on a body that is not the documented JSON', async () => {
    await createBackend('truncated', 'openrouter', base('truncated', 'or-trunc'))
    await adminJson('POST', '/providers/openrouter/configure', { hosts: [FAKE_HOST], apiKey: KEY })
    await runScheduled()
    const state = await stateOf('truncated')
    expect(state).toMatchObject({ status: 'down', errorKind: 'bad_payload', pulledModels: [] })
    expect(state.error).toMatch(/^decode openrouter (embeddings )?catalog response: /)
  })

  it('serves a second cycle from the cache, and lists again after the key rotates', async () => {
    await createBackend('openrouter', 'openrouter', base('ok', 'or-cache'))
    await adminJson('POST', '/providers/openrouter/configure', { hosts: [FAKE_HOST], apiKey: KEY })
    await runScheduled()
    expect(await fakeCalls('/openrouter/ok/or-cache/')).toHaveLength(2)

    await runScheduled()
    expect(await fakeCalls('/openrouter/ok/or-cache/')).toHaveLength(2)
    expect((await stateOf('openrouter')).pulledModels.map(asRow)).toEqual(OPENROUTER_ROWS)

    const rotated = await adminJson('POST', '/providers/openrouter/configure', {
      hosts: [FAKE_HOST],
      apiKey: 'sk-test-or-rotated',
      upsert: true,
    })
    expect(rotated.status).toBe(200)
    await runScheduled()
    expect(await fakeCalls('/openrouter/ok/or-cache/')).toHaveLength(4)
  })

  it('names OpenRouter when none of the declared models is listed', async () => {
    await withDb((db) =>
      db.insert(declaredModels).values([{ id: 'dm-or', model: 'openai/gpt-4o:latest', canChat: true }]),
    )
    await createBackend('served', 'openrouter', base('ok', 'or-dm1'))
    await adminJson('POST', '/providers/openrouter/configure', { hosts: [FAKE_HOST], apiKey: KEY })
    await runScheduled({ AUTO_DISCOVER: 'false' })
    // `:latest` is stripped before matching: the declared record is served.
    expect((await stateOf('served')).pulledModels).toMatchObject([
      { name: 'dm-or', model: 'openai/gpt-4o:latest', maxOutputTokens: 16384, tools: true },
    ])

    await withDb((db) => db.delete(declaredModels))
    await withDb((db) => db.insert(declaredModels).values([{ id: 'dm-none', model: 'nobody/none', canChat: true }]))
    await runScheduled({ AUTO_DISCOVER: 'false' })
    const state = await stateOf('served')
    expect(state).toMatchObject({ status: 'degraded', errorKind: 'no_declared_models', pulledModels: [] })
    expect(state.error).toMatch(/^None of the declared models are available in the OpenRouter API: /)
  })
})
