import { sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import type { BackendRuntimeState } from '../src/published/types'
import {
  ADMIN,
  FAKE_HOST,
  adminJson,
  call,
  createBackend,
  fake,
  fakeCalls,
  resetAll,
  runScheduled,
  stateOf,
  withDb,
} from './helpers'

beforeEach(resetAll)

const KEY = 'sk-test-binding-0000'

const configure = async (type: string, body: Record<string, unknown>) => {
  const response = await adminJson('POST', `/providers/${type}/configure`, body)
  // `error` is there when the call is refused.
  type Answer = Record<string, unknown> & { error: { code: string; message: string; param: string } }
  return { status: response.status, body: await response.json<Answer>() }
}

const stored = () =>
  withDb(async (db) => (await db.execute(sql`select scope, hosts from provider_configs order by scope`)).rows)

describe('a type-wide credential of a cloud type', () => {
  it('is bound to the official host: a backend elsewhere is unconfigured, saying so, and gets no key', async () => {
    await createBackend('openai-local', 'openai', `${fake('openai', 'ok', 'b1')}/v1`)
    expect((await configure('openai', { apiKey: KEY })).status).toBe(200)
    await runScheduled()

    const state: BackendRuntimeState = await stateOf('openai-local')
    expect(state).toMatchObject({ status: 'unconfigured', errorKind: 'unconfigured', models: [] })
    expect(state.error).toBe(
      `the openai credential is bound to api.openai.com; not sent to ${FAKE_HOST} ` +
        '(configure one for this backend with backendId, or list the host in hosts)',
    )
    const calls = await fakeCalls('/openai/ok/b1')
    expect(calls.filter((c) => c.authorized)).toEqual([])
  })

  it('goes to the hosts listed instead, and only there', async () => {
    await createBackend('openai-local', 'openai', `${fake('openai', 'ok', 'b2')}/v1`)
    await createBackend('openai-other', 'openai', 'http://localhost:1/v1')
    expect((await configure('openai', { apiKey: KEY, hosts: [FAKE_HOST] })).status).toBe(200)
    await runScheduled()

    expect(await stateOf('openai-local')).toMatchObject({ status: 'healthy' })
    const calls = await fakeCalls('/openai/ok/b2')
    expect(calls.length).toBeGreaterThan(0)
    expect(calls.every((c) => c.authorized)).toBe(true)
    const other = await stateOf('openai-other')
    expect(other).toMatchObject({ status: 'unconfigured' })
    expect(other.error).toContain(`bound to ${FAKE_HOST}; not sent to localhost:1`)
  })

  it('is shown with its binding in the status and the configs list, never the key', async () => {
    await configure('openai', { apiKey: KEY })
    await configure('anthropic', {
      apiKeyEnv: 'ANTHROPIC_KEY_NOT_SET',
      hosts: ['Proxy.Example:8443', '*.corp.example'],
    })
    const status = await (await call('/providers/openai/status', { headers: ADMIN })).json()
    expect(status).toMatchObject({ provider: 'openai', secretSource: 'literal', hosts: ['api.openai.com'] })
    const configs = await (await call('/providers/configs', { headers: ADMIN })).json<Record<string, unknown>[]>()
    expect(configs).toEqual([
      expect.objectContaining({ provider: 'anthropic', hosts: ['proxy.example:8443', '*.corp.example'] }),
      expect.objectContaining({ provider: 'openai', hosts: ['api.openai.com'] }),
    ])
    expect(JSON.stringify(configs)).not.toContain(KEY)
    // Without hosts the binding is the type's official hosts, whatever they become: stored as null.
    expect(await stored()).toEqual([
      { scope: 'anthropic', hosts: ['proxy.example:8443', '*.corp.example'] },
      { scope: 'openai', hosts: null },
    ])
  })
})

describe('a type-wide credential of a self-hosted type', () => {
  it.each(['vllm', 'ollama'])('needs hosts for %s, saying so, and writes nothing', async (type) => {
    const { status, body } = await configure(type, { apiKey: KEY })
    expect(status).toBe(422)
    expect(body.error).toMatchObject({ code: 'invalid_field', param: 'hosts' })
    expect(body.error.message).toContain(`a type-wide ${type} credential needs hosts`)
    expect(body.error.message).toContain('backendId')
    expect(await stored()).toEqual([])
  })

  it('is sent to the listed hosts', async () => {
    await createBackend('guarded', 'vllm', fake('vllm', `bearer-${KEY}`, 'v1'))
    expect((await configure('vllm', { apiKey: KEY, hosts: [FAKE_HOST] })).status).toBe(200)
    await runScheduled()
    expect(await stateOf('guarded')).toMatchObject({ status: 'healthy' })
    expect((await fakeCalls('/vllm/')).every((c) => c.authorized)).toBe(true)
  })
})

describe('a credential for one backend', () => {
  it("is bound to that backend's host when configured", async () => {
    const id = await createBackend('guarded', 'vllm', fake('vllm', `bearer-${KEY}`, 'v2'))
    const { status, body } = await configure('vllm', { apiKey: KEY, backendId: id })
    expect(status).toBe(200)
    expect(body).toMatchObject({ backendId: id, hosts: [FAKE_HOST] })
    expect(await stored()).toEqual([{ scope: `vllm:${id}`, hosts: [FAKE_HOST] }])
    await runScheduled()
    expect(await stateOf('guarded')).toMatchObject({ status: 'healthy' })
  })

  it('is dropped when the backend moves to another host, and kept when only its path changes', async () => {
    const id = await createBackend('guarded', 'vllm', fake('vllm', `bearer-${KEY}`, 'v3'))
    await configure('vllm', { apiKey: KEY, backendId: id })
    const samePath = await adminJson('PUT', `/backends/${id}`, {
      name: 'guarded',
      type: 'vllm',
      baseUrl: fake('vllm', `bearer-${KEY}`, 'v3b'),
    })
    expect(samePath.status).toBe(200)
    expect(await stored()).toHaveLength(1)

    const moved = await adminJson('PUT', `/backends/${id}`, {
      name: 'guarded',
      type: 'vllm',
      baseUrl: `http://localhost:1/vllm/bearer-${KEY}/v3`,
    })
    expect(moved.status).toBe(200)
    expect(await stored()).toEqual([])
    await runScheduled()
    // Nothing is configured any more (the store is empty, above): a bearer-only fake refuses it.
    expect((await stateOf('guarded')).status).toBe('down')
  })

  it('refuses hosts that leave out its own backend', async () => {
    const id = await createBackend('guarded', 'vllm', fake('vllm', 'ok', 'v4'))
    const { status, body } = await configure('vllm', { apiKey: KEY, backendId: id, hosts: ['elsewhere.example'] })
    expect(status).toBe(422)
    expect(body.error).toMatchObject({ param: 'hosts' })
    expect(body.error.message).toContain(`backend ${id} is on ${FAKE_HOST}, which hosts does not list`)
    expect(await stored()).toEqual([])
  })
})

describe('configure input', () => {
  it.each([
    [{ apiKey: KEY, hosts: [] }, 'hosts: hosts must list at least one host', 'hosts'],
    [{ apiKey: KEY, hosts: 'api.openai.com' }, 'hosts: hosts must be a list of host names', 'hosts'],
    [
      { apiKey: KEY, hosts: ['https://api.openai.com'] },
      'hosts.0: hosts entry "https://api.openai.com" must be a host name',
      'hosts.0',
    ],
    [{ apiKey: KEY, hosts: ['ok.example', '*.com'] }, 'hosts.1: hosts entry "*.com" may only wildcard', 'hosts.1'],
    [{ apiKey: KEY, hosts: ['gpu-1:99999'] }, 'port outside 1-65535', 'hosts.0'],
    [
      { apiKey: KEY, hosts: Array.from({ length: 33 }, (_, i) => `h${i}.example`) },
      'hosts must list at most 32 hosts',
      'hosts',
    ],
    [{ apiKey: KEY, hosts: [`${'a'.repeat(300)}.example`] }, 'hosts entry must be at most 260 characters', 'hosts.0'],
  ])('refuses %j with 422 and writes nothing', async (body, message, param) => {
    const response = await configure('openai', body)
    expect(response.status).toBe(422)
    expect(response.body.error.message).toContain(message)
    expect(response.body.error.param).toBe(param)
    expect(await stored()).toEqual([])
  })

  it.each(['DATABASE_URL', 'database_url', 'Secrets_Key', 'ADMIN_TOKEN', 'NEON_WS_PROXY'])(
    'refuses apiKeyEnv %s, one of the service’s own settings, naming it, and writes nothing',
    async (name) => {
      const { status, body } = await configure('openai', { apiKeyEnv: name })
      expect(status).toBe(422)
      expect(body.error).toMatchObject({ code: 'invalid_field', param: 'apiKeyEnv' })
      expect(body.error.message).toContain(`apiKeyEnv names ${name}, one of this service's own settings`)
      expect(body.error.message).toContain('DATABASE_URL')
      expect(await stored()).toEqual([])
    },
  )
})
