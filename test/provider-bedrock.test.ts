import { beforeEach, describe, expect, it } from 'vitest'
import accessDenied from '../fixtures/providers/bedrock/error-403-access-denied.json'
import signature from '../fixtures/providers/bedrock/error-403-signature.json'
import { BEDROCK_INVOCATION_IDS, BEDROCK_ROWS } from './support/expected-rows/bedrock'
import type { BackendRuntimeState } from '../src/published/types'
import {
  FAKE_HOST,
  adminJson,
  allKvValues,
  asRowByName,
  createBackend,
  fake,
  fakeCalls,
  readState,
  resetAll,
  runScheduled,
  stateOf,
} from './helpers'

// What Bedrock shares with the other cloud providers (a rate limit, a failing later page) is in
// test/cloud-providers.test.ts.

beforeEach(resetAll)

// The fake (test/fake-providers/bedrock.ts) accepts only these, signed for the region in its id.
const ACCESS_KEY_ID = 'ASIATESTFAKEKEYID000'
const SECRET = 'test-Zq8Kd2Lm9Xv4Rt7Wp3Ny'
const credential = (fields: Record<string, string> = {}) =>
  JSON.stringify({ access_key_id: ACCESS_KEY_ID, secret_access_key: SECRET, region: 'us-east-1', ...fields })

async function configure(value: string) {
  const response = await adminJson('POST', '/providers/bedrock/configure', {
    hosts: [FAKE_HOST],
    apiKey: value,
    upsert: true,
  })
  expect(response.status).toBe(200)
}

/** Foundation model id → the id to invoke (`model`), as the README "Invocation id" table. */
const invocationIds = (state: BackendRuntimeState) =>
  Object.fromEntries(state.pulledModels.map((m) => [m.name, m.model]))

describe('bedrock through a full cycle', () => {
  it('publishes every README row and invocation id, from two signed calls', async () => {
    await createBackend('bedrock', 'bedrock', fake('bedrock', 'ok', 'us-east-1.rows'))
    await configure(credential())
    await runScheduled()

    const state = await stateOf('bedrock')
    expect(state).toMatchObject({ status: 'healthy', consecutiveFailures: 0 })
    expect(state.error).toBeUndefined()
    expect(state.pulledModels.map(asRowByName)).toEqual(BEDROCK_ROWS)
    expect(invocationIds(state)).toEqual(BEDROCK_INVOCATION_IDS)
    expect(state.models).toContain('us.anthropic.claude-sonnet-4-5-20250929-v1:0')
    expect(state.models).not.toContain('anthropic.claude-sonnet-4-5-20250929-v1:0')
    expect(await fakeCalls('/bedrock/ok/us-east-1.rows')).toEqual([
      { method: 'GET', path: '/bedrock/ok/us-east-1.rows/foundation-models', authorized: true },
      {
        method: 'GET',
        path: '/bedrock/ok/us-east-1.rows/inference-profiles?maxResults=1000&type=SYSTEM_DEFINED',
        authorized: true,
      },
    ])
  })

  it('signs for the region in the credential JSON when the base URL is not an AWS host', async () => {
    await createBackend('bedrock-eu', 'bedrock', fake('bedrock', 'ok', 'eu-west-1.cred'))
    await configure(credential({ region: 'eu-west-1', session_token: 'session-token-test-only' }))
    await runScheduled()

    const state = await stateOf('bedrock-eu')
    expect(state.status).toBe('healthy')
    expect(state.pulledModels.map(asRowByName)).toEqual(BEDROCK_ROWS)
  })

  it('follows inference-profile pages to the end', async () => {
    await createBackend('bedrock-paged', 'bedrock', fake('bedrock-paged', 'ok', 'us-east-1.p1'))
    await configure(credential())
    await runScheduled()

    const state = await stateOf('bedrock-paged')
    expect(state.status).toBe('healthy')
    expect(invocationIds(state)).toEqual(BEDROCK_INVOCATION_IDS)
    expect((await fakeCalls('/bedrock-paged/ok/us-east-1.p1')).map((c) => c.path.split('/').pop())).toEqual([
      'foundation-models',
      'inference-profiles?maxResults=1000&type=SYSTEM_DEFINED',
      'inference-profiles?maxResults=1000&type=SYSTEM_DEFINED&nextToken=page%2F2%2F%3D%3D',
      'inference-profiles?maxResults=1000&type=SYSTEM_DEFINED&nextToken=page%2F4%2F%3D%3D',
    ])
  })

  it('serves the second cycle from the model cache', async () => {
    await createBackend('bedrock-cached', 'bedrock', fake('bedrock', 'ok', 'us-east-1.c1'))
    await configure(credential())
    await runScheduled()
    expect(await fakeCalls('/bedrock/ok/us-east-1.c1')).toHaveLength(2)

    const refresh = await adminJson('POST', '/setup/refresh')
    expect(await refresh.json()).toMatchObject({ outcome: 'ok', cacheHits: 1, byStatus: { healthy: 1 } })
    expect(await fakeCalls('/bedrock/ok/us-east-1.c1')).toHaveLength(2)
    expect(invocationIds(await stateOf('bedrock-cached'))).toEqual(BEDROCK_INVOCATION_IDS)
    expect((await allKvValues()).join('\n')).not.toContain(SECRET)
  })
})

describe('bedrock failures', () => {
  it('is auth when the credential region is not the one the service expects', async () => {
    await createBackend('bedrock-region', 'bedrock', fake('bedrock', 'ok', 'us-east-1.wr'))
    await configure(credential({ region: 'eu-west-1' }))
    await runScheduled()

    expect(await stateOf('bedrock-region')).toMatchObject({
      status: 'down',
      errorKind: 'auth',
      error: `bedrock ListFoundationModels returned 403: InvalidSignatureException: ${signature.message}`,
    })
  })

  it('is auth when the secret is wrong, and the secret appears nowhere', async () => {
    const wrong = 'test-secret-wrong-value'
    await createBackend('bedrock-secret', 'bedrock', fake('bedrock', 'ok', 'us-east-1.ws'))
    await configure(credential({ secret_access_key: wrong }))
    await runScheduled()

    const state = await stateOf('bedrock-secret')
    expect(state).toMatchObject({ status: 'down', errorKind: 'auth' })
    expect(state.error).toMatch(/^bedrock ListFoundationModels returned 403: InvalidSignatureException: /)
    expect(JSON.stringify(await readState())).not.toContain(wrong)
    expect((await allKvValues()).join('\n')).not.toContain(wrong)
  })

  it('is auth with the AWS message when access is denied', async () => {
    await createBackend('bedrock-denied', 'bedrock', fake('bedrock-denied', 'ok', 'us-east-1.ad'))
    await configure(credential())
    await runScheduled()

    expect(await stateOf('bedrock-denied')).toMatchObject({
      errorKind: 'auth',
      error: `bedrock ListFoundationModels returned 403: AccessDeniedException: ${accessDenied.message}`,
    })
  })

  it('is unconfigured, without a call, when credentials or the region are missing or malformed', async () => {
    await createBackend('bedrock-none', 'bedrock', fake('bedrock', 'ok', 'us-east-1.u1'))
    await runScheduled()
    expect(await stateOf('bedrock-none')).toMatchObject({
      status: 'unconfigured',
      errorKind: 'unconfigured',
      error: 'AWS credentials not configured',
    })

    await configure(`access_key_id=${ACCESS_KEY_ID} secret=${SECRET}`)
    await runScheduled()
    const malformed = await stateOf('bedrock-none')
    expect(malformed).toMatchObject({ status: 'unconfigured', errorKind: 'unconfigured' })
    expect(malformed.error).toMatch(/^Bedrock credential must be JSON/)
    expect(malformed.error).not.toContain(SECRET)

    await configure(JSON.stringify({ access_key_id: ACCESS_KEY_ID, secret_access_key: SECRET }))
    await runScheduled()
    const noRegion = await stateOf('bedrock-none')
    expect(noRegion).toMatchObject({ status: 'unconfigured', errorKind: 'unconfigured' })
    expect(noRegion.error).toMatch(/^Bedrock region not configured/)

    expect(await fakeCalls('/bedrock/ok/us-east-1.u1')).toEqual([])
  })
})
