import { beforeEach, describe, expect, it } from 'vitest'
import throttling from '../fixtures/providers/bedrock/error-429-throttling.json'
import { ANTHROPIC_ROWS } from './support/expected-rows/anthropic'
import { GEMINI_ROWS } from './support/expected-rows/gemini'
import { MISTRAL_ROWS } from './support/expected-rows/mistral'
import { OPENROUTER_ROWS } from './support/expected-rows/openrouter'
import { generateTestKey, testServiceAccount } from './support/vertex-google-key'
import {
  FAKE_HOST,
  adminJson,
  allKvValues,
  asRow,
  createBackend,
  fake,
  fakeCalls,
  resetAll,
  runScheduled,
  stateOf,
} from './helpers'

/**
 * What every cloud provider does alike, one table row per provider. What only one provider does
 * (its paging, its credential's shape, its wording of a declared model that is not listed) stays in
 * test/provider-<type>.test.ts.
 */

beforeEach(resetAll)

/** An error as a test expects it: a string is the whole message, a pattern a part of it. */
type Wording = string | RegExp

function expectError(error: string | undefined, wording: Wording): void {
  if (typeof wording === 'string') expect(error).toBe(wording)
  else expect(error).toMatch(wording)
}

/** A fake's base as `fake()` gives it, plus the path a provider's default base URL has after the host. */
const under = (suffix: string) => (provider: string, behaviour: string, id: string) =>
  `${fake(provider, behaviour, id)}${suffix}`

/** What the fakes recorded of one backend, by the fake, behaviour and id of its base URL. */
const callsOf = (provider: string, behaviour: string, id: string) => fakeCalls(`/${provider}/${behaviour}/${id}/`)

async function configureKey(type: string, apiKey: string): Promise<void> {
  const response = await adminJson('POST', `/providers/${type}/configure`, { hosts: [FAKE_HOST], apiKey, upsert: true })
  expect(response.status).toBe(200)
}

interface CloudProvider {
  type: string
  /** Prefix of the fake ids this provider's rows use, so that no two backends share calls. */
  tag: string
  /** A backend's base URL on the fake `provider` (one of test/fake-providers/registry.ts). */
  base: (provider: string, behaviour: string, id: string) => string
  /** Gives every backend of the type a credential the fakes accept. */
  configure: (tag: string) => Promise<void>
  /** The fake and behaviour that answer 429, and the error the backend then shows. */
  rateLimited: { provider: string; behaviour: string; error: Wording }
  /** A fake whose second page fails: the error and how many calls the listing made. */
  pageTwoFails?: { provider: string; error: Wording; calls: number }
}

/** A provider whose credential is one API key. */
interface KeyedProvider extends CloudProvider {
  key: string
  rotatedKey: string
  rows: ReturnType<typeof asRow>[]
  /** The paths of one listing of the backend `id` on the fake `ok`, in order unless `inParallel`. */
  listing: (id: string) => string[]
  /** The listing's calls go out at once, so their order is not fixed. */
  inParallel?: boolean
  /** The fake behaviour and the error of a key the provider refuses, where a status says so. */
  rejected?: { behaviour: string; error: Wording }
  /** The fake behaviour of a body that does not parse, and the error it gives. */
  notJson: { behaviour: string; error: Wording }
}

function keyed(p: Omit<KeyedProvider, 'configure'>): KeyedProvider {
  return { ...p, configure: () => configureKey(p.type, p.key) }
}

const ANTHROPIC = keyed({
  type: 'anthropic',
  tag: 'an',
  key: 'sk-test-ant-0000',
  rotatedKey: 'sk-test-ant-rotated',
  // The base has no /v1: the adapter calls `<base>/v1/models`.
  base: under(''),
  rows: ANTHROPIC_ROWS,
  // The fake answers 401 without x-api-key and 400 without anthropic-version, so both were sent.
  listing: (id) => [
    `/anthropic/ok/${id}/v1/models?limit=1000`,
    `/anthropic/ok/${id}/v1/models?limit=1000&after_id=claude-sonnet-4-5-20250929`,
  ],
  rejected: { behaviour: 'status-401', error: /^anthropic catalog \/v1\/models returned 401: .*invalid x-api-key/s },
  rateLimited: {
    provider: 'anthropic',
    behaviour: 'status-429',
    error: /^anthropic catalog \/v1\/models returned 429: .*rate_limit_error/s,
  },
  notJson: { behaviour: 'html', error: /^decode anthropic catalog response: / },
  pageTwoFails: {
    provider: 'anthropic-page2-fails',
    error: /^anthropic catalog \/v1\/models returned 500: .*Internal server error/s,
    calls: 2,
  },
})

/** The fake accepts keys starting with `gm-test-` (test/fake-providers/gemini.ts). */
const GEMINI = keyed({
  type: 'gemini',
  tag: 'gm',
  key: 'gm-test-0000',
  rotatedKey: 'gm-test-rotated',
  base: under(''),
  rows: GEMINI_ROWS,
  // Two list pages, the token URL-encoded; no per-model describe call.
  listing: (id) => [
    `/gemini/ok/${id}/v1beta/models?pageSize=1000`,
    `/gemini/ok/${id}/v1beta/models?pageSize=1000&pageToken=Ch5tb2RlbHMvZ2VtaW5pLWVtYmVkZGluZy0wMDE%3D`,
  ],
  rateLimited: {
    provider: 'gemini',
    behaviour: 'status-429',
    error: 'Gemini catalog returned 429: Resource has been exhausted (e.g. check quota). (RESOURCE_EXHAUSTED)',
  },
  notJson: { behaviour: 'html', error: /^decode Gemini catalog response: / },
  pageTwoFails: {
    provider: 'gemini-page2-fail',
    error: 'Gemini catalog returned 503: The service is currently unavailable. (UNAVAILABLE)',
    calls: 2,
  },
})

const MISTRAL = keyed({
  type: 'mistral',
  tag: 'mi',
  key: 'sk-test-mistral-0000',
  rotatedKey: 'sk-test-mistral-rotated',
  // Including `/v1`, as the real default `https://api.mistral.ai/v1`.
  base: under('/v1'),
  rows: MISTRAL_ROWS,
  listing: (id) => [`/mistral/ok/${id}/v1/models`],
  rejected: { behaviour: 'status-401', error: /^mistral catalog returned 401: .*Unauthorized/s },
  rateLimited: {
    provider: 'mistral',
    behaviour: 'status-429',
    error: /^mistral catalog returned 429: .*Rate limit exceeded/s,
  },
  notJson: { behaviour: 'truncated', error: /^decode mistral catalog response: / },
})

const OPENROUTER = keyed({
  type: 'openrouter',
  tag: 'or',
  key: 'sk-test-or-0000',
  rotatedKey: 'sk-test-or-rotated',
  // The adapter appends `/models` and `/embeddings/models`.
  base: under('/api/v1'),
  rows: OPENROUTER_ROWS,
  // Both lists, merged by id.
  listing: (id) => [
    `/openrouter/ok/${id}/api/v1/embeddings/models`,
    `/openrouter/ok/${id}/api/v1/models?output_modalities=all`,
  ],
  inParallel: true,
  rejected: {
    behaviour: 'status-401',
    error: /^openrouter (embeddings )?catalog returned 401: .*Missing Authentication header/s,
  },
  rateLimited: {
    provider: 'openrouter',
    behaviour: 'status-429',
    error: /^openrouter (embeddings )?catalog returned 429: .*Rate limit exceeded/s,
  },
  notJson: { behaviour: 'truncated', error: /^decode openrouter (embeddings )?catalog response: / },
})

/** The fake (test/fake-providers/bedrock.ts) accepts only this key, signed for the region of the id. */
const BEDROCK: CloudProvider = {
  type: 'bedrock',
  tag: 'us-east-1.bd',
  base: under(''),
  configure: () =>
    configureKey(
      'bedrock',
      JSON.stringify({
        access_key_id: 'ASIATESTFAKEKEYID000',
        secret_access_key: 'test-Zq8Kd2Lm9Xv4Rt7Wp3Ny',
        region: 'us-east-1',
      }),
    ),
  // Busy, not down: a rate limit never counts toward down.
  rateLimited: {
    provider: 'bedrock-throttled',
    behaviour: 'ok',
    error: `bedrock ListFoundationModels returned 429: ThrottlingException: ${throttling.message}`,
  },
  pageTwoFails: {
    provider: 'bedrock-page2-fails',
    error: 'bedrock ListInferenceProfiles returned 500: InternalServerException: Internal server error',
    calls: 3,
  },
}

const VERTEX_PROJECT = 'rs-test-project'
const VERTEX: CloudProvider = {
  type: 'vertex-google',
  tag: 'vx',
  base: under(`/v1/projects/${VERTEX_PROJECT}/locations/us-central1`),
  // A service account made at test time, exchanged at the fake token endpoint that knows its key.
  configure: async (tag) => {
    const key = await generateTestKey()
    await configureKey(
      'vertex-google',
      testServiceAccount(key, `${fake('vertex', 'ok', `tok-${tag}`)}/token/${key.publicSpki}`),
    )
  },
  rateLimited: {
    provider: 'vertex',
    behaviour: 'status-429',
    error: /^vertex-google list models: vertex publisher list returned 429: /,
  },
  pageTwoFails: {
    provider: 'vertex-page2-fail',
    error:
      'vertex-google list models: vertex publisher list returned 503: The service is currently unavailable. (UNAVAILABLE)',
    calls: 2,
  },
}

const KEYED = [ANTHROPIC, GEMINI, MISTRAL, OPENROUTER]
const ALL: CloudProvider[] = [...KEYED, BEDROCK, VERTEX]

describe.each(KEYED)('$type with an API key, through a full cycle', (p) => {
  it('publishes the README rows from authorised calls, and stores the key nowhere in KV', async () => {
    const id = `${p.tag}-rows`
    await createBackend(p.type, p.type, p.base(p.type, 'ok', id))
    await p.configure(p.tag)
    await runScheduled()

    const state = await stateOf(p.type)
    expect(state).toMatchObject({ status: 'healthy', consecutiveFailures: 0 })
    expect(state.error).toBeUndefined()
    expect(state.pulledModels.map(asRow)).toEqual(p.rows)

    const calls = await callsOf(p.type, 'ok', id)
    const paths = calls.map((c) => c.path)
    expect(p.inParallel ? paths.sort() : paths).toEqual(p.listing(id))
    expect(calls.every((c) => c.authorized)).toBe(true)
    expect((await allKvValues()).join('\n')).not.toContain(p.key)
  })

  it('makes no call without a key', async () => {
    const id = `${p.tag}-nokey`
    await createBackend(p.type, p.type, p.base(p.type, 'ok', id))
    await runScheduled()
    expect(await stateOf(p.type)).toMatchObject({
      status: 'unconfigured',
      errorKind: 'unconfigured',
      error: 'API key not configured',
      pulledModels: [],
    })
    expect(await callsOf(p.type, 'ok', id)).toEqual([])
  })

  it('fails on a body that is not JSON', async () => {
    await createBackend('not-json', p.type, p.base(p.type, p.notJson.behaviour, `${p.tag}-notjson`))
    await p.configure(p.tag)
    await runScheduled()
    const state = await stateOf('not-json')
    expect(state).toMatchObject({ status: 'down', errorKind: 'bad_payload', pulledModels: [] })
    expectError(state.error, p.notJson.error)
  })

  it('serves a second cycle from the cache, and lists again after the key rotates', async () => {
    const id = `${p.tag}-cache`
    const perListing = p.listing(id).length
    await createBackend(p.type, p.type, p.base(p.type, 'ok', id))
    await p.configure(p.tag)
    await runScheduled()
    expect(await callsOf(p.type, 'ok', id)).toHaveLength(perListing)

    await runScheduled()
    expect(await callsOf(p.type, 'ok', id)).toHaveLength(perListing)
    const cached = await stateOf(p.type)
    expect(cached).toMatchObject({ status: 'healthy' })
    expect(cached.pulledModels.map(asRow)).toEqual(p.rows)

    await configureKey(p.type, p.rotatedKey)
    await runScheduled()
    expect(await callsOf(p.type, 'ok', id)).toHaveLength(2 * perListing)
  })
})

describe.each(KEYED.filter((p) => p.rejected))('$type refusing the key', (p) => {
  it('reports the refusal as auth, publishing no list', async () => {
    const rejected = p.rejected!
    await createBackend('unauthorized', p.type, p.base(p.type, rejected.behaviour, `${p.tag}-401`))
    await p.configure(p.tag)
    await runScheduled()

    const state = await stateOf('unauthorized')
    expect(state).toMatchObject({ status: 'down', errorKind: 'auth', pulledModels: [] })
    expectError(state.error, rejected.error)
  })
})

describe.each(ALL)('$type rate limited', (p) => {
  it('reports a 429 as rate_limited: busy, not down, and publishes no list', async () => {
    const { provider, behaviour, error } = p.rateLimited
    await createBackend('limited', p.type, p.base(provider, behaviour, `${p.tag}-429`))
    await p.configure(p.tag)
    await runScheduled()

    const state = await stateOf('limited')
    expect(state).toMatchObject({ status: 'degraded', errorKind: 'rate_limited', pulledModels: [] })
    expectError(state.error, error)
  })
})

describe.each(ALL.filter((p) => p.pageTwoFails))('$type paging', (p) => {
  it('fails the whole listing when a later page fails, publishing no partial list', async () => {
    const { provider, error, calls } = p.pageTwoFails!
    const id = `${p.tag}-p2`
    await createBackend('broken-page', p.type, p.base(provider, 'ok', id))
    await p.configure(p.tag)
    await runScheduled()

    const state = await stateOf('broken-page')
    expect(state).toMatchObject({ status: 'down', errorKind: 'bad_status', pulledModels: [], models: [] })
    expectError(state.error, error)
    expect(await callsOf(provider, 'ok', id)).toHaveLength(calls)
  })
})
