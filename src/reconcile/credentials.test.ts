import { describe, expect, it } from 'vitest'
import type { ProviderConfigRecord } from '../db/declared'
import type { Env } from '../env'
import { encryptSecret } from '../secrets'
import { boundHosts, resolveCredential } from './credentials'

const SECRETS_KEY = 'credentials-test-key'
const env = { SECRETS_KEY, OPENAI_TEST_KEY: 'sk-test-from-env-1111' } as unknown as Env
const OPENAI = { officialHosts: ['api.openai.com'] }
const NONE: { officialHosts: string[] } = { officialHosts: [] }

function config(overrides: Partial<ProviderConfigRecord>): ProviderConfigRecord {
  return {
    type: 'openai',
    backendId: null,
    apiKeyCiphertext: null,
    apiKeyEnv: 'OPENAI_TEST_KEY',
    hosts: null,
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  }
}

describe('resolveCredential: host binding', () => {
  it('resolves a type-wide credential without hosts for its official host', async () => {
    const resolved = await resolveCredential(config({}), env, { baseUrl: 'https://api.openai.com/v1', ...OPENAI })
    expect(resolved).toEqual({ kind: 'value', value: 'sk-test-from-env-1111' })
  })

  it('refuses it for any other host, saying where it is bound and what to do', async () => {
    const resolved = await resolveCredential(config({}), env, { baseUrl: 'http://127.0.0.1:8000/v1', ...OPENAI })
    expect(resolved).toEqual({
      kind: 'error',
      message:
        'the openai credential is bound to api.openai.com; not sent to 127.0.0.1:8000 ' +
        '(configure one for this backend with backendId, or list the host in hosts)',
    })
  })

  it('never decrypts a literal key it will not send', async () => {
    // A ciphertext that cannot be decrypted: reaching the decryption would be a different error.
    const resolved = await resolveCredential(config({ apiKeyCiphertext: 'not-a-ciphertext', apiKeyEnv: null }), env, {
      baseUrl: 'http://elsewhere.example/v1',
      ...OPENAI,
    })
    expect(resolved).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('bound to api.openai.com') as unknown,
    })
  })

  it('uses the stored hosts instead of the official ones when there are some', async () => {
    const bound = config({ hosts: ['127.0.0.1:8000', '*.corp.example'] })
    const literal = config({ hosts: ['127.0.0.1:8000'], apiKeyEnv: null })
    literal.apiKeyCiphertext = await encryptSecret('sk-test-literal-2222', SECRETS_KEY)
    expect(await resolveCredential(bound, env, { baseUrl: 'http://127.0.0.1:8000/v1', ...OPENAI })).toMatchObject({
      kind: 'value',
    })
    expect(await resolveCredential(bound, env, { baseUrl: 'https://eu.corp.example/v1', ...OPENAI })).toMatchObject({
      kind: 'value',
    })
    expect(await resolveCredential(literal, env, { baseUrl: 'http://127.0.0.1:8000', ...OPENAI })).toEqual({
      kind: 'value',
      value: 'sk-test-literal-2222',
    })
    const official = await resolveCredential(bound, env, { baseUrl: 'https://api.openai.com/v1', ...OPENAI })
    expect(official).toMatchObject({
      kind: 'error',
      message: expect.stringContaining(
        'bound to 127.0.0.1:8000, *.corp.example; not sent to api.openai.com',
      ) as unknown,
    })
  })

  it('sends a type-wide credential of a type with no official host nowhere until hosts are listed', async () => {
    const vllm = config({ type: 'vllm' })
    expect(await resolveCredential(vllm, env, { baseUrl: 'http://gpu-1:8000', ...NONE })).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/^the vllm credential is bound to no host; not sent to gpu-1:8000/) as unknown,
    })
  })

  it("binds a per-backend credential stored without hosts to its backend's own host", async () => {
    const own = config({ backendId: 'b1' })
    expect(boundHosts(own, { baseUrl: 'http://gpu-1:8000/v1', ...OPENAI })).toEqual(['gpu-1:8000'])
    expect(await resolveCredential(own, env, { baseUrl: 'http://gpu-1:8000/v1', ...OPENAI })).toMatchObject({
      kind: 'value',
    })
  })

  it('checks the binding before the reserved names, and names the host without echoing the URL', async () => {
    const reserved = config({ apiKeyEnv: 'DATABASE_URL', hosts: ['gpu-1'] })
    expect(await resolveCredential(reserved, env, { baseUrl: 'http://gpu-1:8000', ...OPENAI })).toMatchObject({
      kind: 'error',
      message: expect.stringContaining("apiKeyEnv names DATABASE_URL, one of this service's own settings") as unknown,
    })
    const broken = await resolveCredential(config({}), env, { baseUrl: 'http://user:pw@[bad', ...OPENAI })
    expect(broken).toMatchObject({ kind: 'error' })
    expect(JSON.stringify(broken)).not.toContain('pw')
  })

  it('resolves nothing when nothing is configured', async () => {
    expect(await resolveCredential(undefined, env, { baseUrl: 'http://x', ...NONE })).toEqual({ kind: 'none' })
  })
})
