import { beforeEach, describe, expect, it } from 'vitest'
import { VERTEX_ROWS } from './support/expected-rows/vertex-google'
import { VERTEX_MISSING_CREDENTIAL } from '../src/providers/vertex-google/service-account'
import { type TestKey, generateTestKey, testServiceAccount } from './support/vertex-google-key'
import {
  FAKE_HOST,
  READER,
  adminJson,
  allKvValues,
  asRow,
  call,
  createBackend,
  fake,
  fakeCalls,
  resetAll,
  runScheduled,
  stateOf,
} from './helpers'

/** The project test/fake-providers/vertex.ts lets callers bill (x-goog-user-project). */
const PROJECT = 'rs-test-project'
/** The access token of fixtures/providers/vertex/oauth-token.json, which the fake list requires. */
const ACCESS_TOKEN = 'ya29.c.c0ASRK0GbExAmPlEtOkEnOnLyNoTaReAlToKeN_vKq3nR8yTzW1pXl0aQ'

// What Vertex shares with the other cloud providers (a rate limit, a failing later page) is in
// test/cloud-providers.test.ts.

beforeEach(resetAll)

/** An inference base URL on a fake: `<fake>/v1/projects/<p>/locations/us-central1`. */
const vertexBase = (provider: string, behaviour: string, id: string) =>
  `${fake(provider, behaviour, id)}/v1/projects/${PROJECT}/locations/us-central1`

/**
 * A service-account JSON made at test time. Its token_uri is the fake token endpoint, whose last
 * path segment is the public key the fake verifies the assertion with; `signWith` signs with
 * another key (one Google does not know).
 */
async function serviceAccount(id: string, signWith?: TestKey) {
  const key = await generateTestKey()
  const tokenPath = `/vertex/ok/tok-${id}/`
  const json = testServiceAccount(signWith ?? key, `${fake('vertex', 'ok', `tok-${id}`)}/token/${key.publicSpki}`)
  return {
    json,
    key: signWith ?? key,
    tokenRequests: async () => (await fakeCalls(tokenPath)).filter((c) => c.method === 'POST'),
  }
}

async function configure(credential: string): Promise<void> {
  const response = await adminJson('POST', '/providers/vertex-google/configure', {
    hosts: [FAKE_HOST],
    apiKey: credential,
    upsert: true,
  })
  expect(response.status).toBe(200)
}

const listCalls = async (prefix: string) => (await fakeCalls(prefix)).filter((c) => c.path.includes('/v1beta1/'))

describe('vertex-google through a full cycle', () => {
  it('mints a token from the service account, lists with it and publishes the README rows', async () => {
    const sa = await serviceAccount('rows')
    await createBackend('vertex', 'vertex-google', vertexBase('vertex', 'ok', 'vx-rows'))
    await configure(sa.json)
    await runScheduled()

    const state = await stateOf('vertex')
    expect(state).toMatchObject({ status: 'healthy', consecutiveFailures: 0 })
    expect(state.error).toBeUndefined()
    expect(state.warnings).toBeUndefined()
    expect(state.pulledModels.map(asRow)).toEqual(VERTEX_ROWS)

    // One token exchange (the fake verified the signature and claims), one list page at the host
    // root; the fake list answers 401 without the token and 403 without the billing project.
    expect(await sa.tokenRequests()).toHaveLength(1)
    const calls = await fakeCalls('/vertex/ok/vx-rows/')
    expect(calls.map((c) => c.path)).toEqual(['/vertex/ok/vx-rows/v1beta1/publishers/google/models?pageSize=100'])
    expect(calls[0]!.authorized).toBe(true)

    // Neither the token nor the key reaches KV or a reader.
    const pemBody = sa.key.privateKeyPem.split('\n')[1]!
    const stored = (await allKvValues()).join('\n')
    const published = await (await call('/state', { headers: READER })).text()
    for (const text of [stored, published]) {
      expect(text).not.toContain(ACCESS_TOKEN)
      expect(text).not.toContain(pemBody)
    }
  })

  it('reuses one token for every backend with the same service account, across cycles', async () => {
    const sa = await serviceAccount('share')
    await createBackend('vertex-a', 'vertex-google', vertexBase('vertex', 'ok', 'vx-share-a'))
    await createBackend('vertex-b', 'vertex-google', vertexBase('vertex', 'ok', 'vx-share-b'))
    await configure(sa.json)
    await runScheduled()
    expect((await stateOf('vertex-a')).status).toBe('healthy')
    expect((await stateOf('vertex-b')).status).toBe('healthy')
    expect(await sa.tokenRequests()).toHaveLength(1)

    // A backend with no cached model list lists again, still with the same token.
    await createBackend('vertex-c', 'vertex-google', vertexBase('vertex', 'ok', 'vx-share-c'))
    await runScheduled()
    const c = await stateOf('vertex-c')
    expect(c.status).toBe('healthy')
    expect(c.pulledModels.map(asRow)).toEqual(VERTEX_ROWS)
    expect(await listCalls('/vertex/ok/vx-share-c/')).toHaveLength(1)
    // a and b came from the model cache.
    expect(await listCalls('/vertex/ok/vx-share-a/')).toHaveLength(1)
    expect(await listCalls('/vertex/ok/vx-share-b/')).toHaveLength(1)
    expect(await sa.tokenRequests()).toHaveLength(1)
  })

  it('reports an assertion signed with a key Google does not know as auth, without listing', async () => {
    const unknownKey = await generateTestKey()
    const sa = await serviceAccount('wrongkey', unknownKey)
    await createBackend('vertex', 'vertex-google', vertexBase('vertex', 'ok', 'vx-wrongkey'))
    await configure(sa.json)
    await runScheduled()

    const state = await stateOf('vertex')
    expect(state).toMatchObject({ status: 'down', errorKind: 'auth', pulledModels: [] })
    expect(state.error).toBe(
      'vertex-google list models: vertex AI service account token: token endpoint returned 400: invalid_grant: Invalid JWT Signature.',
    )
    expect(await sa.tokenRequests()).toHaveLength(1)
    expect(await fakeCalls('/vertex/ok/vx-wrongkey/')).toEqual([])
  })

  it('follows nextPageToken to the end', async () => {
    const sa = await serviceAccount('paged')
    await createBackend('vertex', 'vertex-google', vertexBase('vertex-paged', 'ok', 'vx-paged'))
    await configure(sa.json)
    await runScheduled()

    const state = await stateOf('vertex')
    expect(state.status).toBe('healthy')
    expect(state.pulledModels.map(asRow)).toEqual(VERTEX_ROWS)
    expect((await fakeCalls('/vertex-paged/ok/vx-paged/')).map((c) => c.path)).toEqual([
      '/vertex-paged/ok/vx-paged/v1beta1/publishers/google/models?pageSize=100',
      '/vertex-paged/ok/vx-paged/v1beta1/publishers/google/models?pageSize=100&pageToken=page-2',
      '/vertex-paged/ok/vx-paged/v1beta1/publishers/google/models?pageSize=100&pageToken=page-3',
    ])
    expect(await sa.tokenRequests()).toHaveLength(1)
  })

  it('reports a refused access token as auth and mints a new one next time', async () => {
    const sa = await serviceAccount('401')
    const refusedId = await createBackend('refused', 'vertex-google', vertexBase('vertex', 'status-401', 'vx-401'))
    await configure(sa.json)
    await runScheduled()

    const refused = await stateOf('refused')
    expect(refused).toMatchObject({ status: 'down', errorKind: 'auth' })
    expect(refused.error).toMatch(
      /^vertex-google list models: vertex publisher list returned 401: Request had invalid authentication credentials\..*ACCESS_TOKEN_EXPIRED\)$/,
    )
    expect(await sa.tokenRequests()).toHaveLength(1)

    // The refused token was forgotten: the next cycle asks for a new one.
    expect((await adminJson('DELETE', `/backends/${refusedId}`)).status).toBeLessThan(300)
    await createBackend('fine', 'vertex-google', vertexBase('vertex', 'ok', 'vx-401-fine'))
    await runScheduled()
    expect((await stateOf('fine')).status).toBe('healthy')
    expect(await sa.tokenRequests()).toHaveLength(2)
  })

  it('lists without x-goog-user-project when the account may not bill that project', async () => {
    const sa = await serviceAccount('noproject')
    await createBackend('vertex', 'vertex-google', vertexBase('vertex-noproject', 'ok', 'vx-noproj'))
    await configure(sa.json)
    await runScheduled()

    const state = await stateOf('vertex')
    expect(state.status).toBe('degraded')
    expect(state.pulledModels.map(asRow)).toEqual(VERTEX_ROWS)
    expect(state.warnings).toEqual([
      expect.stringContaining(`x-goog-user-project ${PROJECT} was refused (USER_PROJECT_DENIED`),
    ])
    expect(await fakeCalls('/vertex-noproject/ok/vx-noproj/')).toHaveLength(2)
  })

  it('without a service account: unconfigured, saying why, and no call', async () => {
    await createBackend('vertex', 'vertex-google', vertexBase('vertex', 'ok', 'vx-none'))
    await runScheduled()
    const state = await stateOf('vertex')
    expect(state).toMatchObject({ status: 'unconfigured', errorKind: 'unconfigured', error: VERTEX_MISSING_CREDENTIAL })
    expect(state.error).toMatch(/no ambient Google credentials/)
    expect(await fakeCalls('/vertex/ok/vx-none/')).toEqual([])
  })

  it('with a credential that is not a usable service account: unconfigured, naming the field, never echoing it', async () => {
    const notJson = 'sk-test-vertex-not-json-0000'
    await createBackend('not-json', 'vertex-google', vertexBase('vertex', 'ok', 'vx-notjson'))
    await createBackend('no-key', 'vertex-google', vertexBase('vertex', 'ok', 'vx-nokey'))
    const notJsonId = (await (await adminJson('GET', '/backends')).json<{ id: string; name: string }[]>()).find(
      (b) => b.name === 'not-json',
    )!.id
    expect(
      (await adminJson('POST', '/providers/vertex-google/configure', { apiKey: notJson, backendId: notJsonId })).status,
    ).toBe(200)
    const { json } = await serviceAccount('nokey')
    const withoutKey = JSON.stringify({ ...(JSON.parse(json) as object), private_key: undefined })
    await configure(withoutKey)
    await runScheduled()

    const bad = await stateOf('not-json')
    expect(bad).toMatchObject({ status: 'unconfigured', errorKind: 'unconfigured' })
    expect(bad.error).toMatch(
      /^vertex-google list models: vertex AI service account credentials: the configured credential is not JSON/,
    )
    expect(bad.error).not.toContain('sk-test-vertex')
    const noKey = await stateOf('no-key')
    expect(noKey).toMatchObject({ status: 'unconfigured', errorKind: 'unconfigured' })
    expect(noKey.error).toBe(
      'vertex-google list models: vertex AI service account credentials: private_key is missing or empty',
    )
    expect(await fakeCalls('/vertex/ok/vx-notjson/')).toEqual([])
    expect(await fakeCalls('/vertex/ok/vx-nokey/')).toEqual([])
  })
})
