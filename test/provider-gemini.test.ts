import { beforeEach, describe, expect, it } from 'vitest'
import { FAKE_HOST, adminJson, createBackend, fake, fakeCalls, resetAll, runScheduled, stateOf } from './helpers'

// What Gemini shares with the other cloud providers (the README rows, no key, a rate limit, a body
// that is not JSON, the cache, a failing later page) is in test/cloud-providers.test.ts.

/** The fake accepts keys starting with GEMINI_FAKE_KEY_PREFIX (test/fake-providers/gemini.ts). */
const GEMINI_FAKE_KEY_PREFIX = 'gm-test-'
const KEY = `${GEMINI_FAKE_KEY_PREFIX}0000`

beforeEach(resetAll)

async function withKey(apiKey = KEY): Promise<void> {
  expect((await adminJson('POST', '/providers/gemini/configure', { hosts: [FAKE_HOST], apiKey })).status).toBe(200)
}

describe('gemini through a full cycle', () => {
  it('keeps the `models/` prefix of the ids it lists', async () => {
    await createBackend('gemini', 'gemini', fake('gemini', 'ok', 'gm-ids'))
    await withKey()
    await runScheduled()

    // The id keeps its `models/` prefix, as the seed stores it.
    expect((await stateOf('gemini')).models).toContain('models/gemini-2.5-pro')
  })

  it('reports an invalid key (400 API_KEY_INVALID) as auth', async () => {
    await createBackend('bad-key', 'gemini', fake('gemini', 'ok', 'gm-badkey'))
    await withKey('not-a-valid-gemini-key')
    await runScheduled()

    const state = await stateOf('bad-key')
    expect(state).toMatchObject({ status: 'down', errorKind: 'auth', pulledModels: [] })
    expect(state.error).toBe(
      'Gemini catalog returned 400: API key not valid. Please pass a valid API key. (INVALID_ARGUMENT, API_KEY_INVALID)',
    )
    expect(state.error).not.toContain('not-a-valid-gemini-key')
    expect(await fakeCalls('/gemini/ok/gm-badkey/')).toHaveLength(1)
  })

  it('reports another 400 as bad_status', async () => {
    await createBackend('bad-request', 'gemini', fake('gemini', 'status-400', 'gm-400'))
    await withKey()
    await runScheduled()

    expect(await stateOf('bad-request')).toMatchObject({ status: 'down', errorKind: 'bad_status' })
  })
})
