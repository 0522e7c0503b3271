import { beforeEach, describe, expect, it } from 'vitest'
import { GEMINI_ROWS } from '../src/providers/gemini/expected-rows'
import {
  FAKE_HOST,
  adminJson,
  allKvValues,
  asRow,
  createBackend,
  fake,
  fakeCalls,
  readState,
  resetAll,
  runScheduled,
  stateOf,
} from './helpers'

/** The fake accepts keys starting with GEMINI_FAKE_KEY_PREFIX (test/fake-providers/gemini.ts). */
const GEMINI_FAKE_KEY_PREFIX = 'gm-test-'
const KEY = `${GEMINI_FAKE_KEY_PREFIX}0000`

beforeEach(resetAll)

async function withKey(apiKey = KEY, upsert = false): Promise<void> {
  expect((await adminJson('POST', '/providers/gemini/configure', { hosts: [FAKE_HOST], apiKey, upsert })).status).toBe(
    200,
  )
}

describe('gemini through a full cycle', () => {
  it('follows nextPageToken to the end, reads everything from the list and publishes the README rows', async () => {
    await createBackend('gemini', 'gemini', fake('gemini', 'ok', 'gm-rows'))
    await withKey()
    await runScheduled()

    const state = await stateOf('gemini')
    expect(state).toMatchObject({ status: 'healthy', consecutiveFailures: 0 })
    expect(state.error).toBeUndefined()
    expect(state.pulledModels.map(asRow)).toEqual(GEMINI_ROWS)
    // The id keeps its `models/` prefix, as the seed stores it.
    expect(state.models).toContain('models/gemini-2.5-pro')

    const calls = await fakeCalls('/gemini/ok/gm-rows/')
    // Two list pages, the token URL-encoded; no per-model describe call.
    expect(calls.map((c) => c.path)).toEqual([
      '/gemini/ok/gm-rows/v1beta/models?pageSize=1000',
      '/gemini/ok/gm-rows/v1beta/models?pageSize=1000&pageToken=Ch5tb2RlbHMvZ2VtaW5pLWVtYmVkZGluZy0wMDE%3D',
    ])
    expect(calls.every((c) => c.authorized)).toBe(true)
    expect((await allKvValues()).join('\n')).not.toContain(KEY)
  })

  it('fails the whole listing when page 2 fails, publishing no partial list', async () => {
    await createBackend('broken-page', 'gemini', fake('gemini-page2-fail', 'ok', 'gm-p2'))
    await withKey()
    await runScheduled()

    const state = await stateOf('broken-page')
    expect(state).toMatchObject({ status: 'down', errorKind: 'bad_status', pulledModels: [], models: [] })
    expect(state.error).toBe('Gemini catalog returned 503: The service is currently unavailable. (UNAVAILABLE)')
    expect(await fakeCalls('/gemini-page2-fail/ok/gm-p2/')).toHaveLength(2)
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

  it('reports a rate limit as rate_limited and another 400 as bad_status', async () => {
    await createBackend('limited', 'gemini', fake('gemini', 'status-429', 'gm-429'))
    await createBackend('bad-request', 'gemini', fake('gemini', 'status-400', 'gm-400'))
    await withKey()
    await runScheduled()

    const limited = await stateOf('limited')
    expect(limited).toMatchObject({ status: 'degraded', errorKind: 'rate_limited' })
    expect(limited.error).toBe(
      'Gemini catalog returned 429: Resource has been exhausted (e.g. check quota). (RESOURCE_EXHAUSTED)',
    )
    expect(await stateOf('bad-request')).toMatchObject({ status: 'down', errorKind: 'bad_status' })
  })

  it('makes no call without a key', async () => {
    await createBackend('gemini', 'gemini', fake('gemini', 'ok', 'gm-nokey'))
    await runScheduled()
    expect(await stateOf('gemini')).toMatchObject({
      status: 'unconfigured',
      errorKind: 'unconfigured',
      error: 'API key not configured',
    })
    expect(await fakeCalls('/gemini/ok/gm-nokey/')).toEqual([])
  })

  it('fails on a body that is not JSON, in the seed wording', async () => {
    await createBackend('html', 'gemini', fake('gemini', 'html', 'gm-html'))
    await withKey()
    await runScheduled()
    const state = await stateOf('html')
    expect(state).toMatchObject({ status: 'down', errorKind: 'bad_payload' })
    expect(state.error).toMatch(/^decode Gemini catalog response: /)
  })

  it('serves a second cycle from the cache, and lists again after the key rotates', async () => {
    await createBackend('gemini', 'gemini', fake('gemini', 'ok', 'gm-cache'))
    await withKey()
    await runScheduled()
    expect(await fakeCalls('/gemini/ok/gm-cache/')).toHaveLength(2)

    await runScheduled()
    expect(await fakeCalls('/gemini/ok/gm-cache/')).toHaveLength(2)
    const cached = await stateOf('gemini')
    expect(cached).toMatchObject({ status: 'healthy' })
    expect(cached.pulledModels.map(asRow)).toEqual(GEMINI_ROWS)

    await withKey(`${GEMINI_FAKE_KEY_PREFIX}rotated`, true)
    await runScheduled()
    expect(await fakeCalls('/gemini/ok/gm-cache/')).toHaveLength(4)
  })
})
