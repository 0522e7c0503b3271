import { beforeEach, describe, expect, it } from 'vitest'
import { FAKE_HOST, adminJson, createBackend, fake, resetAll, runScheduled, stateOf } from './helpers'

// What Anthropic shares with the other cloud providers (the README rows, no key, a refused key, a rate
// limit, a body that is not JSON, the cache, a failing later page) is in test/cloud-providers.test.ts.

const KEY = 'sk-test-ant-0000'

beforeEach(resetAll)

async function withKey(): Promise<void> {
  expect((await adminJson('POST', '/providers/anthropic/configure', { hosts: [FAKE_HOST], apiKey: KEY })).status).toBe(
    200,
  )
}

describe('anthropic through a full cycle', () => {
  it('publishes the newest model first, dated by the listing', async () => {
    await createBackend('anthropic', 'anthropic', fake('anthropic', 'ok', 'an-dated'))
    await withKey()
    await runScheduled()

    const state = await stateOf('anthropic')
    expect(state.pulledModels[0]).toMatchObject({ model: 'claude-opus-4-6', modifiedAt: '2026-02-04T00:00:00Z' })
  })

  it('reports an overload (529) as bad_status', async () => {
    await createBackend('overloaded', 'anthropic', fake('anthropic', 'status-529', 'an-529'))
    await withKey()
    await runScheduled()

    const overloaded = await stateOf('overloaded')
    expect(overloaded).toMatchObject({ status: 'down', errorKind: 'bad_status' })
    expect(overloaded.error).toMatch(/^anthropic catalog \/v1\/models returned 529: .*Overloaded/s)
  })
})
