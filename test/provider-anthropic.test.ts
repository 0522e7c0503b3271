import { beforeEach, describe, expect, it } from 'vitest'
import { ANTHROPIC_ROWS } from '../src/providers/anthropic/expected-rows'
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
} from './helpers'

const KEY = 'sk-test-ant-0000'

beforeEach(resetAll)

async function withKey(): Promise<void> {
  expect((await adminJson('POST', '/providers/anthropic/configure', { hosts: [FAKE_HOST], apiKey: KEY })).status).toBe(
    200,
  )
}

describe('anthropic through a full cycle', () => {
  it('follows the pages to the end and publishes the README rows in order', async () => {
    // The base has no /v1: the adapter calls `<base>/v1/models`.
    await createBackend('anthropic', 'anthropic', fake('anthropic', 'ok', 'an-rows'))
    await withKey()
    await runScheduled()

    const state = await stateOf('anthropic')
    expect(state).toMatchObject({ status: 'healthy', consecutiveFailures: 0 })
    expect(state.error).toBeUndefined()
    expect(state.pulledModels.map(asRow)).toEqual(ANTHROPIC_ROWS)
    expect(state.pulledModels[0]).toMatchObject({ model: 'claude-opus-4-6', modifiedAt: '2026-02-04T00:00:00Z' })

    const calls = await fakeCalls('/anthropic/ok/an-rows/')
    expect(calls.map((c) => c.path)).toEqual([
      '/anthropic/ok/an-rows/v1/models?limit=1000',
      '/anthropic/ok/an-rows/v1/models?limit=1000&after_id=claude-sonnet-4-5-20250929',
    ])
    // The fake answers 401 without x-api-key and 400 without anthropic-version, so both were sent.
    expect(calls.every((c) => c.authorized)).toBe(true)
  })

  it('fails the whole listing when a later page fails, publishing no partial list', async () => {
    await createBackend('broken-page', 'anthropic', fake('anthropic-page2-fails', 'ok', 'an-p2'))
    await withKey()
    await runScheduled()

    const state = await stateOf('broken-page')
    expect(state).toMatchObject({ status: 'down', errorKind: 'bad_status', pulledModels: [], models: [] })
    expect(state.error).toMatch(/^anthropic catalog \/v1\/models returned 500: .*Internal server error/s)
    expect(await fakeCalls('/anthropic-page2-fails/ok/an-p2/')).toHaveLength(2)
  })

  it('makes no call without a key', async () => {
    await createBackend('anthropic', 'anthropic', fake('anthropic', 'ok', 'an-nokey'))
    await runScheduled()
    expect(await stateOf('anthropic')).toMatchObject({
      status: 'unconfigured',
      errorKind: 'unconfigured',
      error: 'API key not configured',
    })
    expect(await fakeCalls('/anthropic/ok/an-nokey/')).toEqual([])
  })

  it('reports a rejected key as auth, a rate limit as rate_limited and an overload as bad_status', async () => {
    await createBackend('unauthorized', 'anthropic', fake('anthropic', 'status-401', 'an-401'))
    await createBackend('limited', 'anthropic', fake('anthropic', 'status-429', 'an-429'))
    await createBackend('overloaded', 'anthropic', fake('anthropic', 'status-529', 'an-529'))
    await withKey()
    await runScheduled()

    const unauthorized = await stateOf('unauthorized')
    expect(unauthorized).toMatchObject({ status: 'down', errorKind: 'auth' })
    expect(unauthorized.error).toMatch(/^anthropic catalog \/v1\/models returned 401: .*invalid x-api-key/s)
    const limited = await stateOf('limited')
    expect(limited).toMatchObject({ status: 'degraded', errorKind: 'rate_limited' })
    expect(limited.error).toMatch(/^anthropic catalog \/v1\/models returned 429: .*rate_limit_error/s)
    const overloaded = await stateOf('overloaded')
    expect(overloaded).toMatchObject({ status: 'down', errorKind: 'bad_status' })
    expect(overloaded.error).toMatch(/^anthropic catalog \/v1\/models returned 529: .*Overloaded/s)
  })

  it('fails on a body that is not JSON, in the seed wording', async () => {
    await createBackend('html', 'anthropic', fake('anthropic', 'html', 'an-html'))
    await withKey()
    await runScheduled()
    const state = await stateOf('html')
    expect(state).toMatchObject({ status: 'down', errorKind: 'bad_payload' })
    expect(state.error).toMatch(/^decode anthropic catalog response: /)
  })

  it('serves a second cycle from the cache, and lists again after the key rotates', async () => {
    await createBackend('anthropic', 'anthropic', fake('anthropic', 'ok', 'an-cache'))
    await withKey()
    await runScheduled()
    expect(await fakeCalls('/anthropic/ok/an-cache/')).toHaveLength(2)

    await runScheduled()
    expect(await fakeCalls('/anthropic/ok/an-cache/')).toHaveLength(2)
    expect((await stateOf('anthropic')).pulledModels.map(asRow)).toEqual(ANTHROPIC_ROWS)

    const rotated = await adminJson('POST', '/providers/anthropic/configure', {
      hosts: [FAKE_HOST],
      apiKey: 'sk-test-ant-rotated',
      upsert: true,
    })
    expect(rotated.status).toBe(200)
    await runScheduled()
    expect(await fakeCalls('/anthropic/ok/an-cache/')).toHaveLength(4)
  })
})
