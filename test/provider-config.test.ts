import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BACKEND_TYPES, adapters } from '../src/providers'
import type { BackendRuntimeState } from '../src/published/types'
import { decryptSecret } from '../src/secrets'
import {
  ADMIN,
  FAKE_HOST,
  READER,
  adminJson,
  allKvValues,
  call,
  createBackend,
  fake,
  fakeCalls,
  fetchWith,
  resetAll,
  runScheduled,
  stateOf,
  withDb,
} from './helpers'

beforeEach(resetAll)
afterEach(() => vi.restoreAllMocks())

const configs = () =>
  withDb(async (db) => (await db.execute(sql`select scope, api_key_env from provider_configs order by scope`)).rows)

const status = async (path: string) => {
  const response = await call(path, { headers: ADMIN })
  expect(response.status).toBe(200)
  return await response.json<Record<string, unknown>>()
}

describe('POST /providers/:type/configure', () => {
  it('stores an env name and reports where the secret comes from', async () => {
    const response = await adminJson('POST', '/providers/openai/configure', { apiKeyEnv: 'OPENAI_KEY_FROM_ENV' })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      provider: 'openai',
      configured: true,
      secretSource: 'env',
      secretPresent: true,
      apiKeyEnv: 'OPENAI_KEY_FROM_ENV',
    })
    expect(await configs()).toEqual([{ scope: 'openai', api_key_env: 'OPENAI_KEY_FROM_ENV' }])
  })

  it('answers the same status the status route gives', async () => {
    await createBackend('oa', 'openai', 'https://api.openai.com/v1')
    const configured = await adminJson('POST', '/providers/OpenAI/configure', { apiKey: 'sk-test-same-status' })
    expect(configured.status).toBe(200)
    const body = await configured.json()
    expect(body).toEqual(await status('/providers/openai/status'))
    expect(body).toMatchObject({ provider: 'openai', secretSource: 'literal', secretPresent: true, backends: 1 })
  })

  it.each([
    [{ apiKey: 'sk-test-a', apiKeyEnv: 'B' }, 'provide apiKey or apiKeyEnv, not both'],
    [{}, 'apiKey or apiKeyEnv is required'],
    [{ apiKeyEnv: 'not a name' }, 'apiKeyEnv must be the name of a Worker secret or var'],
  ])('rejects %j and writes nothing', async (body, message) => {
    const response = await adminJson('POST', '/providers/openai/configure', body)
    expect(response.status).toBe(422)
    expect((await response.json<{ error: { message: string } }>()).error.message).toContain(message)
    expect(await configs()).toEqual([])
  })

  it('answers 422 naming apiKeyEnv for a name longer than its 255-character column, and writes nothing', async () => {
    const response = await adminJson('POST', '/providers/openai/configure', { apiKeyEnv: `K${'_'.repeat(255)}` })
    expect(response.status).toBe(422)
    const { error } = await response.json<{ error: { message: string; param: string } }>()
    expect(error.param).toBe('apiKeyEnv')
    expect(error.message).toContain('apiKeyEnv: apiKeyEnv must be at most 255 characters')
    expect(await configs()).toEqual([])
  })

  it('rejects an unknown provider type', async () => {
    const response = await adminJson('POST', '/providers/gpt/configure', { apiKey: 'sk-test-a' })
    expect(response.status).toBe(422)
    expect(await response.json()).toMatchObject({ error: { param: 'type' } })
    expect(await configs()).toEqual([])
  })

  it('needs upsert to replace a configuration', async () => {
    await adminJson('POST', '/providers/openai/configure', { apiKey: 'sk-test-a' })
    const again = await adminJson('POST', '/providers/openai/configure', { apiKeyEnv: 'X' })
    expect(again.status).toBe(409)
    expect(await again.json()).toMatchObject({ error: { code: 'provider_configured', param: 'upsert' } })
    expect((await adminJson('POST', '/providers/openai/configure', { apiKeyEnv: 'X', upsert: true })).status).toBe(200)
    expect(await configs()).toEqual([{ scope: 'openai', api_key_env: 'X' }])
  })

  it('refuses a literal key when it could not be stored encrypted', async () => {
    const response = await fetchWith({ SECRETS_KEY: undefined }, '/providers/openai/configure', {
      method: 'POST',
      headers: { ...ADMIN, 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiKey: 'sk-test-a' }),
    })
    expect(response.status).toBe(422)
    expect(await response.json()).toMatchObject({ error: { code: 'secrets_key_missing', param: 'apiKey' } })
    expect(await configs()).toEqual([])
  })

  it('checks the backend a per-backend key is for', async () => {
    const id = await createBackend('v', 'vllm', 'http://v:8000')
    expect(
      (await adminJson('POST', '/providers/openai/configure', { apiKey: 'sk-test-a', backendId: 'nope' })).status,
    ).toBe(404)
    const wrongType = await adminJson('POST', '/providers/openai/configure', { apiKey: 'sk-test-a', backendId: id })
    expect(wrongType.status).toBe(422)
    expect(await wrongType.json()).toMatchObject({ error: { param: 'backendId' } })
    expect((await adminJson('POST', '/providers/vllm/configure', { apiKey: 'sk-test-a', backendId: id })).status).toBe(
      200,
    )
    expect(await configs()).toEqual([{ scope: `vllm:${id}`, api_key_env: null }])
  })

  it('needs the admin token', async () => {
    const send = (headers: Record<string, string>) =>
      call('/providers/openai/configure', {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiKeyEnv: 'X' }),
      })
    expect((await send({})).status).toBe(401)
    expect((await send(READER)).status).toBe(403)
    expect(await configs()).toEqual([])
  })
})

describe('GET /providers/:type/status', () => {
  it('answers configured:false and secretSource:none when nothing is stored', async () => {
    expect(await status('/providers/openai/status')).toEqual({
      provider: 'openai',
      configured: false,
      secretSource: 'none',
      secretConfigured: false,
      secretPresent: false,
      recommendedApiKeyEnv: 'OPENAI_API_KEY',
      backends: 0,
    })
  })

  it('counts the declared backends of the type, and calls a type that needs no key configured once it has one', async () => {
    expect(await status('/providers/ollama/status')).toMatchObject({
      configured: false,
      secretSource: 'none',
      backends: 0,
    })
    await createBackend('o1', 'ollama', 'http://o1:11434')
    await createBackend('o2', 'ollama', 'http://o2:11434')
    await createBackend('oa', 'openai', 'https://api.openai.com/v1')
    expect(await status('/providers/ollama/status')).toMatchObject({
      configured: true,
      secretSource: 'none',
      backends: 2,
    })
    // OpenAI needs a key: a backend alone does not make it configured.
    expect(await status('/providers/openai/status')).toMatchObject({
      configured: false,
      secretSource: 'none',
      backends: 1,
    })
  })

  it('reports a literal key as present, never the key', async () => {
    await adminJson('POST', '/providers/anthropic/configure', { apiKey: 'sk-test-status-literal-1' })
    const body = await status('/providers/Anthropic/status')
    expect(body).toEqual({
      provider: 'anthropic',
      configured: true,
      secretSource: 'literal',
      secretConfigured: true,
      secretPresent: true,
      hosts: ['api.anthropic.com'],
      recommendedApiKeyEnv: 'ANTHROPIC_API_KEY',
      backends: 0,
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) as unknown,
    })
    expect(JSON.stringify(body)).not.toContain('sk-test-status-literal-1')
  })

  it('reports whether the named Worker secret is set', async () => {
    await adminJson('POST', '/providers/openai/configure', { apiKeyEnv: 'OPENAI_KEY_FROM_ENV' })
    await adminJson('POST', '/providers/mistral/configure', { apiKeyEnv: 'MISTRAL_KEY_NOT_SET' })
    expect(await status('/providers/openai/status')).toMatchObject({
      configured: true,
      secretSource: 'env',
      secretConfigured: true,
      secretPresent: true,
      apiKeyEnv: 'OPENAI_KEY_FROM_ENV',
    })
    expect(await status('/providers/mistral/status')).toMatchObject({
      configured: true,
      secretSource: 'env',
      secretConfigured: true,
      secretPresent: false,
      apiKeyEnv: 'MISTRAL_KEY_NOT_SET',
    })
    const empty = await fetchWith({ OPENAI_KEY_FROM_ENV: '' }, '/providers/openai/status', { headers: ADMIN })
    expect(await empty.json()).toMatchObject({ secretSource: 'env', secretPresent: false })
  })

  it("answers one backend's own config with backendId", async () => {
    const own = await createBackend('oa-1', 'openai', 'https://one.example/v1')
    const other = await createBackend('oa-2', 'openai', 'https://two.example/v1')
    await adminJson('POST', '/providers/openai/configure', { apiKeyEnv: 'OPENAI_KEY_FROM_ENV' })
    await adminJson('POST', '/providers/openai/configure', { apiKey: 'sk-test-own-key', backendId: own })
    expect(await status(`/providers/openai/status?backendId=${own}`)).toMatchObject({
      provider: 'openai',
      backendId: own,
      configured: true,
      secretSource: 'literal',
      backends: 2,
    })
    expect(await status(`/providers/openai/status?backendId=${other}`)).toMatchObject({
      backendId: other,
      configured: false,
      secretSource: 'none',
    })
    expect(await status('/providers/openai/status')).toMatchObject({
      secretSource: 'env',
      apiKeyEnv: 'OPENAI_KEY_FROM_ENV',
    })
  })

  it('answers 404 for an unknown backend and 422 for a backend of another type', async () => {
    const vllm = await createBackend('v', 'vllm', 'http://v:8000')
    const unknown = await call('/providers/openai/status?backendId=nope', { headers: ADMIN })
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ error: { code: 'backend_not_found', param: 'backendId' } })
    const wrongType = await call(`/providers/openai/status?backendId=${vllm}`, { headers: ADMIN })
    expect(wrongType.status).toBe(422)
    expect(await wrongType.json()).toMatchObject({ error: { param: 'backendId' } })
    const empty = await call('/providers/openai/status?backendId=', { headers: ADMIN })
    expect(empty.status).toBe(422)
    expect(await empty.json()).toMatchObject({ error: { param: 'backendId' } })
  })

  it('answers 422 for an unknown type', async () => {
    const response = await call('/providers/gpt/status', { headers: ADMIN })
    expect(response.status).toBe(422)
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_field', param: 'type' } })
  })

  it('needs the admin token', async () => {
    expect((await call('/providers/openai/status')).status).toBe(401)
    expect((await call('/providers/openai/status', { headers: READER })).status).toBe(403)
  })
})

describe('DELETE /providers/:type/config', () => {
  it('deletes the type-wide config only', async () => {
    const id = await createBackend('oa', 'openai', 'https://api.openai.com/v1')
    await adminJson('POST', '/providers/openai/configure', { apiKey: 'sk-test-del-a' })
    await adminJson('POST', '/providers/openai/configure', { apiKeyEnv: 'OWN_KEY', backendId: id })
    await adminJson('POST', '/providers/mistral/configure', { apiKeyEnv: 'MISTRAL_KEY' })
    const response = await adminJson('DELETE', '/providers/OpenAI/config')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ deleted: 'openai' })
    expect(await configs()).toEqual([
      { scope: 'mistral', api_key_env: 'MISTRAL_KEY' },
      { scope: `openai:${id}`, api_key_env: 'OWN_KEY' },
    ])
    expect(await status('/providers/openai/status')).toMatchObject({ configured: false, secretSource: 'none' })
    // The backend stays.
    expect((await call(`/backends/${id}`, { headers: ADMIN })).status).toBe(200)
  })

  it("deletes one backend's own config with backendId", async () => {
    const id = await createBackend('oa', 'openai', 'https://api.openai.com/v1')
    await adminJson('POST', '/providers/openai/configure', { apiKeyEnv: 'TYPE_KEY' })
    await adminJson('POST', '/providers/openai/configure', { apiKeyEnv: 'OWN_KEY', backendId: id })
    const response = await adminJson('DELETE', `/providers/openai/config?backendId=${id}`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ deleted: `openai:${id}` })
    expect(await configs()).toEqual([{ scope: 'openai', api_key_env: 'TYPE_KEY' }])
  })

  it('answers 404 when nothing is stored for that scope, and deletes nothing', async () => {
    await adminJson('POST', '/providers/openai/configure', { apiKeyEnv: 'TYPE_KEY' })
    const missing = await adminJson('DELETE', '/providers/mistral/config')
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({
      error: { code: 'provider_config_not_found', param: 'type', message: 'no config stored for provider mistral' },
    })
    const missingOwn = await adminJson('DELETE', '/providers/openai/config?backendId=nope')
    expect(missingOwn.status).toBe(404)
    expect(await missingOwn.json()).toMatchObject({ error: { code: 'provider_config_not_found', param: 'backendId' } })
    expect(await configs()).toEqual([{ scope: 'openai', api_key_env: 'TYPE_KEY' }])
  })

  it('answers 422 for an unknown type', async () => {
    const response = await adminJson('DELETE', '/providers/gpt/config')
    expect(response.status).toBe(422)
    expect(await response.json()).toMatchObject({ error: { param: 'type' } })
  })

  it('needs the admin token', async () => {
    await adminJson('POST', '/providers/openai/configure', { apiKeyEnv: 'TYPE_KEY' })
    expect((await call('/providers/openai/config', { method: 'DELETE' })).status).toBe(401)
    expect((await call('/providers/openai/config', { method: 'DELETE', headers: READER })).status).toBe(403)
    expect(await configs()).toHaveLength(1)
  })
})

describe('GET /providers/configs', () => {
  it('answers [] when nothing is stored', async () => {
    expect(await status('/providers/configs')).toEqual([])
  })

  it('answers a status for every stored config, by type then backend, never a secret', async () => {
    const id = await createBackend('oa', 'openai', 'https://api.openai.com/v1')
    await createBackend('oa-2', 'openai', 'https://two.example/v1')
    await adminJson('POST', '/providers/openai/configure', { apiKeyEnv: 'OPENAI_KEY_FROM_ENV', backendId: id })
    await adminJson('POST', '/providers/openai/configure', { apiKey: 'sk-test-configs-1' })
    await adminJson('POST', '/providers/anthropic/configure', { apiKeyEnv: 'ANTHROPIC_KEY_NOT_SET' })
    const body = (await status('/providers/configs')) as unknown as Record<string, unknown>[]
    expect(body).toEqual([
      expect.objectContaining({ provider: 'anthropic', secretSource: 'env', secretPresent: false, backends: 0 }),
      expect.objectContaining({ provider: 'openai', secretSource: 'literal', secretPresent: true, backends: 2 }),
      expect.objectContaining({
        provider: 'openai',
        backendId: id,
        secretSource: 'env',
        secretPresent: true,
        backends: 2,
      }),
    ])
    expect(body[1]).not.toHaveProperty('backendId')
    expect(body.every((s) => s.configured === true && typeof s.updatedAt === 'string')).toBe(true)
    expect(JSON.stringify(body)).not.toContain('sk-test-configs-1')
  })

  it('needs the admin token', async () => {
    expect((await call('/providers/configs')).status).toBe(401)
    expect((await call('/providers/configs', { headers: READER })).status).toBe(403)
  })
})

describe('GET /providers/supported', () => {
  it('lists every backend type, sorted, with what it needs', async () => {
    const body = (await status('/providers/supported')) as unknown as Record<string, unknown>[]
    expect(body.map((p) => p.provider)).toEqual([...BACKEND_TYPES].sort())
    for (const row of body) {
      expect(row.requiresSecretConfig).toBe(adapters[row.provider as keyof typeof adapters].credential === 'required')
      expect(row.recommendedApiKeyEnv).toMatch(/^[A-Z][A-Z0-9_]*$/)
      // A type either has a default base URL or needs one.
      expect(Boolean(row.defaultBaseUrl)).toBe(!row.requiresBaseUrl)
    }
    const byType = Object.fromEntries(body.map((p) => [p.provider as string, p]))
    expect(byType.openai).toEqual({
      provider: 'openai',
      defaultBaseUrl: 'https://api.openai.com/v1',
      requiresBaseUrl: false,
      requiresSecretConfig: true,
      recommendedApiKeyEnv: 'OPENAI_API_KEY',
      credentialFormat: 'api-key',
    })
    expect(byType.ollama).toMatchObject({ defaultBaseUrl: 'http://127.0.0.1:11434', requiresSecretConfig: false })
    expect(byType.vllm).toMatchObject({ requiresBaseUrl: true, requiresSecretConfig: false })
    expect(byType.bedrock).toMatchObject({ requiresBaseUrl: true, credentialFormat: 'aws-credentials-json' })
    expect(byType['vertex-google']).toMatchObject({ requiresBaseUrl: true, credentialFormat: 'service-account-json' })
    expect(byType.bedrock).not.toHaveProperty('defaultBaseUrl')
  })

  it('needs the admin token', async () => {
    expect((await call('/providers/supported')).status).toBe(401)
    expect((await call('/providers/supported', { headers: READER })).status).toBe(403)
  })
})

describe('a literal key is never given back', () => {
  const KEY = 'sk-test-literal-secret-4242'
  const OWN_KEY = 'sk-test-literal-own-key-9393'

  it('appears in no response, no KV value, no log line and no database row', async () => {
    const lines: string[] = []
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '))
      })
    }
    const bodies: string[] = []
    const record = async (label: string, response: Response) => {
      bodies.push(`${label} ${response.status} ${JSON.stringify([...response.headers])} ${await response.text()}`)
      return response
    }

    const shared = await createBackend('openai-shared', 'openai', `${fake('openai', 'ok', 'secret-1')}/v1`)
    const own = await createBackend('openai-own', 'openai', `${fake('openai', 'ok', 'secret-2')}/v1`)
    await record(
      'configure',
      await adminJson('POST', '/providers/openai/configure', { apiKey: KEY, hosts: [FAKE_HOST] }),
    )
    await record(
      'configure own',
      await adminJson('POST', '/providers/openai/configure', { apiKey: OWN_KEY, backendId: own }),
    )
    await record(
      're-configure',
      await adminJson('POST', '/providers/openai/configure', { apiKey: KEY, hosts: [FAKE_HOST], upsert: true }),
    )
    await record('refresh', await adminJson('POST', '/setup/refresh'))
    await runScheduled()

    // The keys were used: both backends listed their models with an Authorization header.
    for (const name of ['openai-shared', 'openai-own']) {
      const state: BackendRuntimeState = await stateOf(name)
      expect(state.status).toBe('healthy')
      expect(state.models.length).toBeGreaterThan(0)
    }
    for (const id of ['secret-1', 'secret-2']) {
      const calls = await fakeCalls(`/openai/ok/${id}`)
      expect(calls).not.toEqual([])
      expect(calls.every((c) => c.authorized)).toBe(true)
    }

    const reads = [
      '/state',
      `/state/${shared}`,
      `/state/${own}`,
      '/providers',
      '/providers?type=openai',
      '/models',
      '/v1/models',
    ]
    const admin = [
      '/backends',
      `/backends/${shared}`,
      `/backends/${own}`,
      '/declared-models',
      '/groups',
      '/capability-overrides',
      '/providers/openai/status',
      `/providers/openai/status?backendId=${own}`,
      '/providers/configs',
      '/providers/supported',
    ]
    for (const path of reads) expect((await record(path, await call(path, { headers: READER }))).status).toBe(200)
    for (const path of [...reads, ...admin])
      expect((await record(path, await call(path, { headers: ADMIN }))).status).toBe(200)
    for (const path of ['/openapi.json', '/docs', '/healthz'])
      expect((await record(path, await call(path))).status).toBe(200)

    const kv = await allKvValues()
    expect(kv.some((v) => v.startsWith('prov:'))).toBe(true)
    const rows = await withDb(async (db) => {
      const tables = [
        'backends',
        'provider_configs',
        'reconcile_runs',
        'reconcile_lease',
        'declared_models',
        'capability_overrides',
      ]
      const dump: string[] = []
      for (const table of tables) {
        const result = await db.execute(sql`select row_to_json(t)::text as row from ${sql.identifier(table)} t`)
        dump.push(...result.rows.map((r) => `${table} ${String(r.row)}`))
      }
      return dump
    })
    vi.restoreAllMocks()

    for (const secret of [KEY, OWN_KEY]) {
      for (const body of bodies) expect(body).not.toContain(secret)
      for (const value of kv) expect(value).not.toContain(secret)
      for (const row of rows) expect(row).not.toContain(secret)
      for (const line of lines) expect(line).not.toContain(secret)
    }
    expect(bodies).toHaveLength(4 + reads.length + reads.length + admin.length + 3)
    expect(lines.some((l) => l.includes('"action":"provider.configure"'))).toBe(true)

    // Stored, but only encrypted under SECRETS_KEY.
    const stored = await withDb(
      async (db) => (await db.execute(sql`select scope, api_key_ciphertext from provider_configs order by scope`)).rows,
    )
    expect(stored.map((r) => r.scope)).toEqual(['openai', `openai:${own}`])
    expect(await decryptSecret(String(stored[0]!.api_key_ciphertext), env.SECRETS_KEY)).toBe(KEY)
    expect(await decryptSecret(String(stored[1]!.api_key_ciphertext), env.SECRETS_KEY)).toBe(OWN_KEY)
  })
})
