import { beforeEach, describe, expect, it } from 'vitest'
import { declaredModels } from '../src/db/schema'
import { FAKE_HOST, adminJson, createBackend, fake, resetAll, runScheduled, stateOf, withDb } from './helpers'

// What Mistral shares with the other cloud providers (the README rows, no key, a refused key, a rate
// limit, a body that is not JSON, the cache) is in test/cloud-providers.test.ts.

const KEY = 'sk-test-mistral-0000'

beforeEach(resetAll)

/** A fake Mistral base including `/v1`, as the real default `https://api.mistral.ai/v1`. */
const base = (behaviour: string, id: string) => `${fake('mistral', behaviour, id)}/v1`

async function withKey(): Promise<void> {
  expect((await adminJson('POST', '/providers/mistral/configure', { hosts: [FAKE_HOST], apiKey: KEY })).status).toBe(
    200,
  )
}

describe('mistral through a full cycle', () => {
  it('names Mistral when none of the declared models is listed', async () => {
    await withDb((db) =>
      db.insert(declaredModels).values([{ id: 'dm-mi', model: 'mistral-large-9999', canChat: true }]),
    )
    await createBackend('mistral', 'mistral', base('ok', 'mi-dm'))
    await withKey()
    await runScheduled({ AUTO_DISCOVER: 'false' })
    const state = await stateOf('mistral')
    expect(state).toMatchObject({ status: 'degraded', errorKind: 'no_declared_models', pulledModels: [] })
    expect(state.error).toMatch(/^None of the declared models are available in the Mistral API: .*mistral-medium-2508/s)
  })
})
