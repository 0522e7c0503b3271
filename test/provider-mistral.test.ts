import { beforeEach, describe, expect, it } from 'vitest'
import { declaredModels } from '../src/db/schema'
import { MISTRAL_ROWS } from '../src/providers/mistral/expected-rows'
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
  it('publishes the README rows from one authorised call', async () => {
    await createBackend('mistral', 'mistral', base('ok', 'mi-rows'))
    await withKey()
    await runScheduled()

    const state = await stateOf('mistral')
    expect(state).toMatchObject({ status: 'healthy', consecutiveFailures: 0 })
    expect(state.error).toBeUndefined()
    expect(state.pulledModels.map(asRow)).toEqual(MISTRAL_ROWS)
    const calls = await fakeCalls('/mistral/ok/mi-rows/')
    expect(calls.map((c) => c.path)).toEqual(['/mistral/ok/mi-rows/v1/models'])
    expect(calls[0]!.authorized).toBe(true)
  })

  it('makes no call without a key', async () => {
    await createBackend('mistral', 'mistral', base('ok', 'mi-nokey'))
    await runScheduled()
    expect(await stateOf('mistral')).toMatchObject({
      status: 'unconfigured',
      errorKind: 'unconfigured',
      error: 'API key not configured',
    })
    expect(await fakeCalls('/mistral/ok/mi-nokey/')).toEqual([])
  })

  it('reports a rejected key as auth and a rate limit as rate_limited', async () => {
    await createBackend('unauthorized', 'mistral', base('status-401', 'mi-401'))
    await createBackend('limited', 'mistral', base('status-429', 'mi-429'))
    await withKey()
    await runScheduled()

    const unauthorized = await stateOf('unauthorized')
    expect(unauthorized).toMatchObject({ status: 'down', errorKind: 'auth', pulledModels: [] })
    expect(unauthorized.error).toMatch(/^mistral catalog returned 401: .*Unauthorized/s)
    const limited = await stateOf('limited')
    expect(limited).toMatchObject({ status: 'degraded', errorKind: 'rate_limited', pulledModels: [] })
    expect(limited.error).toMatch(/^mistral catalog returned 429: .*Rate limit exceeded/s)
  })

  it('fails on a body that is not JSON, in the seed wording', async () => {
    await createBackend('truncated', 'mistral', base('truncated', 'mi-trunc'))
    await withKey()
    await runScheduled()
    const state = await stateOf('truncated')
    expect(state).toMatchObject({ status: 'down', errorKind: 'bad_payload' })
    expect(state.error).toMatch(/^decode mistral catalog response: /)
  })

  it('serves a second cycle from the cache, and lists again after the key rotates', async () => {
    await createBackend('mistral', 'mistral', base('ok', 'mi-cache'))
    await withKey()
    await runScheduled()
    expect(await fakeCalls('/mistral/ok/mi-cache/')).toHaveLength(1)

    await runScheduled()
    expect(await fakeCalls('/mistral/ok/mi-cache/')).toHaveLength(1)
    expect((await stateOf('mistral')).pulledModels.map(asRow)).toEqual(MISTRAL_ROWS)

    const rotated = await adminJson('POST', '/providers/mistral/configure', {
      hosts: [FAKE_HOST],
      apiKey: 'sk-test-mistral-rotated',
      upsert: true,
    })
    expect(rotated.status).toBe(200)
    await runScheduled()
    expect(await fakeCalls('/mistral/ok/mi-cache/')).toHaveLength(2)
  })

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
