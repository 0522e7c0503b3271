import { beforeEach, describe, expect, it } from 'vitest'
import { declaredModels } from '../src/db/schema'
import { FAKE_HOST, adminJson, createBackend, fake, resetAll, runScheduled, stateOf, withDb } from './helpers'

// What OpenRouter shares with the other cloud providers (the README rows of both lists, no key, a
// refused key, a rate limit, a body that is not JSON, the cache) is in test/cloud-providers.test.ts.

const KEY = 'sk-test-or-0000'

beforeEach(resetAll)

/** A fake OpenRouter base: the adapter appends `/models` and `/embeddings/models`. */
const base = (behaviour: string, id: string) => `${fake('openrouter', behaviour, id)}/api/v1`

describe('openrouter through a full cycle', () => {
  it('publishes no image-only model, and a model on both lists once', async () => {
    await createBackend('openrouter', 'openrouter', base('ok', 'or-merge'))
    await adminJson('POST', '/providers/openrouter/configure', { hosts: [FAKE_HOST], apiKey: KEY })
    await runScheduled()

    const state = await stateOf('openrouter')
    expect(state.models).not.toContain('black-forest-labs/flux.2-pro')
    expect(state.pulledModels.filter((m) => m.model === 'openai/text-embedding-3-small')).toHaveLength(1)
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
