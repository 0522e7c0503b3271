import { listDefaults } from '../../../test/support/providers'
import { describe, expect, it } from 'vitest'
import invalidGrant from '../../../fixtures/providers/vertex/oauth-error-invalid-grant.json'
import oauthToken from '../../../fixtures/providers/vertex/oauth-token.json'
import { ProviderError } from '../../errors/provider-error'
import { listVertexModels } from './list-models'
import {
  CLOUD_PLATFORM_SCOPE,
  DEFAULT_TOKEN_URI,
  VERTEX_MISSING_CREDENTIAL,
  importPrivateKey,
  parseServiceAccount,
  signAssertion,
} from './service-account'
import { generateTestKey, testServiceAccount } from '../../../test/support/vertex-google-key'
import { TokenCache, mintAccessToken, parseTokenResponse, tokenCacheKey } from './token'

const fromBase64url = (text: string) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
const decodePart = (part: string) =>
  JSON.parse(new TextDecoder().decode(fromBase64url(part))) as Record<string, unknown>

/** A PEM block around a body that is no key at all (built, so no key-shaped literal is in the repo). */
const pemBlock = (label: string, body: string) =>
  [`-----BEGIN ${label}-----`, body, `-----END ${label}-----`].join('\n')

async function thrown(work: () => unknown): Promise<ProviderError> {
  try {
    await work()
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError)
    return error as ProviderError
  }
  throw new Error('expected a ProviderError')
}

describe('vertex-google service account', () => {
  it('reads a key file and signs an RS256 assertion the public key verifies', async () => {
    const key = await generateTestKey()
    const sa = parseServiceAccount(testServiceAccount(key, 'https://oauth2.googleapis.com/token'))
    expect(sa).toMatchObject({
      clientEmail: 'runtimestate-test@rs-test-project.iam.gserviceaccount.com',
      privateKeyId: 'test-key-id-0000',
    })
    const jwt = await signAssertion(sa, await importPrivateKey(sa.privateKey), 1_760_000_000)
    const [header, claims, signature] = jwt.split('.') as [string, string, string]
    expect(decodePart(header)).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'test-key-id-0000' })
    expect(decodePart(claims)).toEqual({
      iss: sa.clientEmail,
      scope: CLOUD_PLATFORM_SCOPE,
      aud: 'https://oauth2.googleapis.com/token',
      iat: 1_760_000_000,
      exp: 1_760_003_600,
    })
    const valid = await crypto.subtle.verify(
      'RSASSA-PKCS1-v1_5',
      key.publicKey,
      fromBase64url(signature),
      new TextEncoder().encode(`${header}.${claims}`),
    )
    expect(valid).toBe(true)
    const other = await generateTestKey()
    expect(
      await crypto.subtle.verify(
        'RSASSA-PKCS1-v1_5',
        other.publicKey,
        fromBase64url(signature),
        new TextEncoder().encode(`${header}.${claims}`),
      ),
    ).toBe(false)
  })

  it('defaults token_uri to Google and refuses a clear-text one off localhost', async () => {
    const key = await generateTestKey()
    const sa = JSON.parse(testServiceAccount(key, 'x')) as Record<string, unknown>
    delete sa.token_uri
    expect(parseServiceAccount(JSON.stringify(sa)).tokenUri).toBe(DEFAULT_TOKEN_URI)
    expect(() => parseServiceAccount(JSON.stringify({ ...sa, token_uri: 'http://evil.example/token' }))).toThrow(
      /token_uri is not an https URL/,
    )
    expect(parseServiceAccount(JSON.stringify({ ...sa, token_uri: 'http://127.0.0.1:8080/token' })).tokenUri).toBe(
      'http://127.0.0.1:8080/token',
    )
  })

  it('names the bad field as unconfigured and never repeats the credential', async () => {
    const key = await generateTestKey()
    const good = JSON.parse(testServiceAccount(key, DEFAULT_TOKEN_URI)) as Record<string, unknown>
    const cases: [string, RegExp][] = [
      ['', new RegExp(VERTEX_MISSING_CREDENTIAL.slice(0, 40))],
      ['sk-test-not-json-secret-0000', /not JSON/],
      ['["a"]', /not a JSON object/],
      [JSON.stringify({ ...good, type: 'authorized_user' }), /type is "authorized_user"/],
      [JSON.stringify({ ...good, client_email: '' }), /client_email is missing/],
      [JSON.stringify({ ...good, private_key: undefined }), /private_key is missing/],
      [JSON.stringify({ ...good, private_key: pemBlock('RSA PRIVATE KEY', 'AAAA') }), /not a PKCS#8 PEM key/],
      [JSON.stringify({ ...good, token_uri: 7 }), /token_uri is not a string/],
    ]
    for (const [credential, message] of cases) {
      const error = await thrown(() => parseServiceAccount(credential))
      expect(error.kind).toBe('unconfigured')
      expect(error.message).toMatch(message)
      if (credential) expect(error.message).not.toContain(credential.slice(0, 20))
      expect(error.message).not.toContain('sk-test-not-json')
    }
    expect(VERTEX_MISSING_CREDENTIAL).toMatch(/no ambient Google credentials/)
    const broken = await thrown(() => importPrivateKey(pemBlock('PRIVATE KEY', btoa('not a key'))))
    expect(broken).toMatchObject({ kind: 'unconfigured' })
    expect(broken.message).toMatch(/private_key could not be imported/)
  })
})

describe('vertex-google access token', () => {
  it('reads the token response', () => {
    expect(parseTokenResponse(oauthToken)).toEqual({ accessToken: oauthToken.access_token, expiresInSeconds: 3599 })
    expect(() => parseTokenResponse({ expires_in: 3599 })).toThrow(/decode token response: access_token/)
    expect(() => parseTokenResponse({ ...oauthToken, token_type: 'MAC' })).toThrow(/not Bearer/)
  })

  it('reuses a token until a minute before it expires, and shares one request between callers', async () => {
    let now = 1_000_000
    const cache = new TokenCache(() => now)
    let mints = 0
    const mint = async () => ({ accessToken: `token-${++mints}`, expiresInSeconds: 3599 })
    const [a, b] = await Promise.all([cache.get('k', mint), cache.get('k', mint)])
    expect([a, b, mints]).toEqual(['token-1', 'token-1', 1])
    now += 3599_000 - 60_000 - 1
    expect(await cache.get('k', mint)).toBe('token-1')
    now += 1
    expect(await cache.get('k', mint)).toBe('token-2')
    expect(await cache.get('other', mint)).toBe('token-3')
    cache.evict('k')
    expect(await cache.get('k', mint)).toBe('token-4')
  })

  it('does not keep a failed request or a token too short-lived to reuse', async () => {
    const cache = new TokenCache(() => 0)
    await expect(cache.get('k', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await cache.get('k', async () => ({ accessToken: 'short', expiresInSeconds: 30 }))).toBe('short')
    expect(cache.size).toBe(0)
    expect(await cache.get('k', async () => ({ accessToken: 'long', expiresInSeconds: 3600 }))).toBe('long')
    expect(cache.size).toBe(1)
  })

  it('keys tokens by a fingerprint, not the credential', async () => {
    const key = await tokenCacheKey('{"private_key":"secret"}')
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    expect(key).not.toBe(await tokenCacheKey('{"private_key":"other"}'))
  })

  it('posts a signed jwt-bearer grant and maps a refused assertion to auth', async () => {
    const key = await generateTestKey()
    const sa = parseServiceAccount(testServiceAccount(key, 'https://oauth2.googleapis.com/token'))
    const requests: { url: string; init: RequestInit }[] = []
    const answer = (status: number, body: unknown) => {
      const fetcher = async (url: RequestInfo | URL, init?: RequestInit) => {
        requests.push({ url: url instanceof Request ? url.url : url.toString(), init: init! })
        return new Response(JSON.stringify(body), { status })
      }
      return {
        baseUrl: '',
        credential: '',
        fetch: fetcher,
        signal: new AbortController().signal,
        ...listDefaults(),
      }
    }
    expect(await mintAccessToken(answer(200, oauthToken), sa)).toEqual({
      accessToken: oauthToken.access_token,
      expiresInSeconds: 3599,
    })
    const sent = requests[0]!
    expect(sent.url).toBe('https://oauth2.googleapis.com/token')
    expect(sent.init.method).toBe('POST')
    expect((sent.init.headers as Record<string, string>)['Content-Type']).toBe('application/x-www-form-urlencoded')
    const form = new URLSearchParams(sent.init.body as string)
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer')
    expect(form.get('assertion')!.split('.')).toHaveLength(3)

    const refused = await thrown(() => mintAccessToken(answer(400, invalidGrant), sa))
    expect(refused.kind).toBe('auth')
    expect(refused.message).toBe(
      'vertex-google list models: vertex AI service account token: token endpoint returned 400: invalid_grant: Invalid JWT Signature.',
    )
    const other400 = await thrown(() => mintAccessToken(answer(400, { error: 'unsupported_grant_type' }), sa))
    expect(other400.kind).toBe('bad_status')
    const limited = await thrown(() => mintAccessToken(answer(429, { error: 'rate_limited' }), sa))
    expect(limited.kind).toBe('rate_limited')
  })

  it('refuses a base URL or credential problem before any request', async () => {
    let calls = 0
    const ctx = (baseUrl: string, credential: string | undefined) => ({
      baseUrl,
      credential,
      fetch: (async () => {
        calls++
        return new Response('{}')
      }) as typeof fetch,
      signal: new AbortController().signal,
      ...listDefaults(),
    })
    expect(await thrown(() => listVertexModels(ctx('', '{}')))).toMatchObject({ kind: 'unconfigured' })
    const missing = await thrown(() =>
      listVertexModels(ctx('https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1', '')),
    )
    expect(missing).toMatchObject({ kind: 'unconfigured', message: VERTEX_MISSING_CREDENTIAL })
    expect(calls).toBe(0)
  })
})
