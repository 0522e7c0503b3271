import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { groupBackends, groups } from '../src/db/schema'
import {
  ADMIN,
  FAKE_HOST,
  READER,
  adminJson,
  call,
  createBackend,
  fake,
  resetAll,
  runScheduled,
  withDb,
} from './helpers'

beforeEach(resetAll)

interface Backend {
  id: string
  name: string
  type: string
  baseUrl: string
  createdAt: string
  updatedAt: string
}

const backendCount = () =>
  withDb(async (db) => (await db.execute(sql`select count(*)::int as n from backends`)).rows[0]!.n)

const getBackend = async (id: string) => await (await call(`/backends/${id}`, { headers: ADMIN })).json<Backend>()

/** An OpenAI backend on the fake with a key, after one cycle: its model list is cached in KV. */
async function cachedOpenAIBackend(name: string, fakeId: string): Promise<string> {
  const id = await createBackend(name, 'openai', `${fake('openai', 'ok', fakeId)}/v1`)
  expect(
    (
      await adminJson('POST', '/providers/openai/configure', {
        apiKeyEnv: 'OPENAI_KEY_FROM_ENV',
        hosts: [FAKE_HOST],
        upsert: true,
      })
    ).status,
  ).toBe(200)
  await runScheduled()
  expect(await env.KV.get(`prov:${id}`)).not.toBeNull()
  return id
}

describe('POST /backends', () => {
  it('creates a backend, canonicalising its type', async () => {
    const response = await adminJson('POST', '/backends', {
      name: 'gpu-1',
      type: ' Ollama ',
      baseUrl: 'http://gpu-1:11434',
    })
    expect(response.status).toBe(201)
    const body = await response.json<Record<string, string>>()
    expect(body).toMatchObject({ name: 'gpu-1', type: 'ollama', baseUrl: 'http://gpu-1:11434' })
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(await (await call('/backends', { headers: ADMIN })).json()).toEqual([body])
  })

  it('names every bad field and writes nothing', async () => {
    const response = await adminJson('POST', '/backends', { name: '', type: 'gpt', baseUrl: 'ftp://x' })
    expect(response.status).toBe(422)
    const { error } = await response.json<{ error: { message: string; param: string } }>()
    expect(error.message).toContain('name: name is required')
    expect(error.message).toContain('type: type must be one of ollama, vllm, openai')
    expect(error.message).toContain('baseUrl: baseUrl must be an http(s) URL')
    expect(error.param).toBe('name')
    expect(await backendCount()).toBe(0)
  })

  it('rejects a body that is not JSON with its own code', async () => {
    const response = await call('/backends', {
      method: 'POST',
      headers: { ...ADMIN, 'Content-Type': 'application/json' },
      body: '{',
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'invalid_json',
        message: 'body: not valid JSON (at position 1)',
      },
    })
    // The parser's own words would quote the body, and a body can hold a key.
    const quoting = await call('/backends', {
      method: 'POST',
      headers: { ...ADMIN, 'Content-Type': 'application/json' },
      body: '{"name": sk-test-unquoted-0000}',
    })
    expect(quoting.status).toBe(400)
    expect(await quoting.text()).not.toContain('sk-test')
    expect(await backendCount()).toBe(0)
  })

  it.each([
    ['a query string', 'https://proxy.example/v1?key=sk-test-query-0000'],
    ['an empty query string', 'https://proxy.example/v1?'],
    ['a fragment', 'https://proxy.example/v1#sk-test-fragment-0000'],
  ])('refuses a base URL with %s, naming baseUrl and writing nothing', async (_what, baseUrl) => {
    const response = await adminJson('POST', '/backends', { name: 'proxy', type: 'openai', baseUrl })
    expect(response.status).toBe(422)
    const { error } = await response.json<{ error: { code: string; message: string; param: string } }>()
    expect(error).toMatchObject({ code: 'invalid_field', param: 'baseUrl' })
    expect(error.message).toMatch(/^baseUrl: baseUrl must not contain a query string or fragment/)
    expect(error.message).not.toContain('sk-test')
    expect(await backendCount()).toBe(0)
  })

  it('answers 409 for a taken name or a taken type and base URL', async () => {
    await createBackend('a', 'vllm', 'http://v:8000')
    const sameName = await adminJson('POST', '/backends', { name: 'a', type: 'vllm', baseUrl: 'http://w:8000' })
    expect(sameName.status).toBe(409)
    expect(await sameName.json()).toMatchObject({
      error: { message: 'backend named "a" already exists', param: 'name' },
    })
    const sameUrl = await adminJson('POST', '/backends', { name: 'b', type: 'vllm', baseUrl: 'http://v:8000' })
    expect(sameUrl.status).toBe(409)
    expect(await sameUrl.json()).toMatchObject({
      error: { message: 'backend already exists for type "vllm" and base URL "http://v:8000"' },
    })
    expect(await backendCount()).toBe(1)
  })
})

describe('GET /backends/:id', () => {
  it('answers the record, as the list has it', async () => {
    const id = await createBackend('gpu-1', 'ollama', 'http://gpu-1:11434')
    const response = await call(`/backends/${id}`, { headers: ADMIN })
    expect(response.status).toBe(200)
    const listed = (await (await call('/backends', { headers: ADMIN })).json<Backend[]>())[0]
    expect(await response.json()).toEqual(listed)
    expect(listed).toMatchObject({ id, name: 'gpu-1', type: 'ollama', baseUrl: 'http://gpu-1:11434' })
  })

  it('answers 404 for an unknown id', async () => {
    const response = await call('/backends/nope', { headers: ADMIN })
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({
      error: { code: 'backend_not_found', param: 'id', message: 'no backend nope' },
    })
  })

  it('needs the admin token', async () => {
    const id = await createBackend('gpu-1', 'ollama', 'http://gpu-1:11434')
    expect((await call(`/backends/${id}`)).status).toBe(401)
    expect((await call(`/backends/${id}`, { headers: READER })).status).toBe(403)
    expect((await call(`/backends/${id}`, { headers: { Authorization: 'Bearer nope' } })).status).toBe(403)
  })
})

describe('PUT /backends/:id', () => {
  /** A backend whose timestamps lie in 2020, so the update's new updatedAt is unmistakable. */
  async function oldBackend(name: string, type: string, baseUrl: string): Promise<string> {
    const id = await createBackend(name, type, baseUrl)
    await withDb((db) =>
      db.execute(
        sql`update backends set created_at = '2020-01-02T03:04:05Z', updated_at = '2020-01-02T03:04:05Z' where id = ${id}`,
      ),
    )
    return id
  }

  it('replaces name, type and base URL, keeps createdAt and sets updatedAt', async () => {
    const id = await oldBackend('gpu-1', 'ollama', 'http://gpu-1:11434')
    const response = await adminJson('PUT', `/backends/${id}`, {
      name: 'gpu-2',
      type: ' VLLM ',
      baseUrl: 'http://gpu-2:8000',
    })
    expect(response.status).toBe(200)
    const body = await response.json<Backend>()
    expect(body).toMatchObject({
      id,
      name: 'gpu-2',
      type: 'vllm',
      baseUrl: 'http://gpu-2:8000',
      createdAt: '2020-01-02T03:04:05.000Z',
    })
    expect(body.updatedAt).not.toBe('2020-01-02T03:04:05.000Z')
    expect(Date.parse(body.updatedAt)).toBeGreaterThan(Date.parse(body.createdAt))
    expect(await getBackend(id)).toEqual(body)
    expect(await backendCount()).toBe(1)
  })

  it('accepts the backend keeping its own name and base URL', async () => {
    const id = await oldBackend('gpu-1', 'ollama', 'http://gpu-1:11434')
    const response = await adminJson('PUT', `/backends/${id}`, {
      name: 'gpu-1',
      type: 'ollama',
      baseUrl: 'http://gpu-1:11434',
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ id, name: 'gpu-1', createdAt: '2020-01-02T03:04:05.000Z' })
  })

  it('answers 404 for an unknown id and creates nothing', async () => {
    const response = await adminJson('PUT', '/backends/nope', { name: 'x', type: 'ollama', baseUrl: 'http://x:11434' })
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: { code: 'backend_not_found', param: 'id' } })
    expect(await backendCount()).toBe(0)
  })

  it('names every bad field and changes nothing', async () => {
    const id = await oldBackend('gpu-1', 'ollama', 'http://gpu-1:11434')
    const before = await getBackend(id)
    const response = await adminJson('PUT', `/backends/${id}`, { name: ' ', type: 'gpt', baseUrl: 'not a url' })
    expect(response.status).toBe(422)
    const { error } = await response.json<{ error: { message: string; param: string } }>()
    expect(error.message).toContain('name: name is required')
    expect(error.message).toContain('type: type must be one of')
    expect(error.message).toContain('baseUrl: baseUrl must be an http(s) URL')
    expect(error.param).toBe('name')
    const missing = await adminJson('PUT', `/backends/${id}`, { name: 'gpu-9' })
    expect(missing.status).toBe(422)
    expect((await missing.json<{ error: { message: string } }>()).error.message).toMatch(/type: .*baseUrl: /)
    expect(await getBackend(id)).toEqual(before)
  })

  it('refuses a base URL with a query string or fragment, naming baseUrl and changing nothing', async () => {
    const id = await oldBackend('gpu-1', 'ollama', 'http://gpu-1:11434')
    const before = await getBackend(id)
    for (const baseUrl of ['http://gpu-1:11434/?token=sk-test-query-0000', 'http://gpu-1:11434/#sk-test-0000']) {
      const response = await adminJson('PUT', `/backends/${id}`, { name: 'gpu-1', type: 'ollama', baseUrl })
      expect(response.status).toBe(422)
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_field', param: 'baseUrl' } })
    }
    expect(await getBackend(id)).toEqual(before)
  })

  it('answers 409 for a name or a type and base URL another backend has, and changes nothing', async () => {
    await createBackend('a', 'vllm', 'http://v:8000')
    const id = await oldBackend('b', 'vllm', 'http://w:8000')
    const before = await getBackend(id)
    const sameName = await adminJson('PUT', `/backends/${id}`, { name: 'a', type: 'vllm', baseUrl: 'http://w:8000' })
    expect(sameName.status).toBe(409)
    expect(await sameName.json()).toMatchObject({
      error: { code: 'backend_exists', message: 'backend named "a" already exists', param: 'name' },
    })
    const sameUrl = await adminJson('PUT', `/backends/${id}`, { name: 'b', type: 'vllm', baseUrl: 'http://v:8000' })
    expect(sameUrl.status).toBe(409)
    expect(await sameUrl.json()).toMatchObject({
      error: { message: 'backend already exists for type "vllm" and base URL "http://v:8000"', param: 'baseUrl' },
    })
    expect(await getBackend(id)).toEqual(before)
  })

  it("drops the backend's own credential when its type changes, and keeps it otherwise", async () => {
    const id = await createBackend('b', 'vllm', 'http://b:8000')
    await adminJson('POST', '/providers/vllm/configure', { apiKey: 'sk-test-own-0000', backendId: id })
    const scopes = () => withDb(async (db) => (await db.execute(sql`select scope from provider_configs`)).rows)
    // Same host, another path: the credential is bound to the host, so it stays.
    await adminJson('PUT', `/backends/${id}`, { name: 'b2', type: 'vllm', baseUrl: 'http://b:8000/vllm' })
    expect(await scopes()).toEqual([{ scope: `vllm:${id}` }])
    const moved = await adminJson('PUT', `/backends/${id}`, { name: 'b2', type: 'openai', baseUrl: 'http://b:8000/v1' })
    expect(moved.status).toBe(200)
    expect(await scopes()).toEqual([])
  })

  it('drops the cached model list of the edited backend only', async () => {
    const id = await cachedOpenAIBackend('oa', 'put-cache-1')
    const other = await createBackend('oa-2', 'openai', `${fake('openai', 'ok', 'put-cache-2')}/v1`)
    await runScheduled()
    expect(await env.KV.get(`prov:${other}`)).not.toBeNull()

    // Failed edits leave the cache alone.
    expect(
      (await adminJson('PUT', `/backends/${id}`, { name: 'oa-2', type: 'openai', baseUrl: 'http://x/v1' })).status,
    ).toBe(409)
    expect(
      (await adminJson('PUT', `/backends/${id}`, { name: '', type: 'openai', baseUrl: 'http://x/v1' })).status,
    ).toBe(422)
    expect(await env.KV.get(`prov:${id}`)).not.toBeNull()

    const response = await adminJson('PUT', `/backends/${id}`, {
      name: 'oa-renamed',
      type: 'openai',
      baseUrl: `${fake('openai', 'ok', 'put-cache-3')}/v1`,
    })
    expect(response.status).toBe(200)
    expect(await env.KV.get(`prov:${id}`)).toBeNull()
    expect(await env.KV.get(`prov:${other}`)).not.toBeNull()
  })

  it('needs the admin token', async () => {
    const id = await createBackend('gpu-1', 'ollama', 'http://gpu-1:11434')
    const body = JSON.stringify({ name: 'gpu-2', type: 'ollama', baseUrl: 'http://gpu-1:11434' })
    const put = (headers: Record<string, string>) =>
      call(`/backends/${id}`, { method: 'PUT', headers: { ...headers, 'Content-Type': 'application/json' }, body })
    expect((await put({})).status).toBe(401)
    expect((await put(READER)).status).toBe(403)
    expect((await getBackend(id)).name).toBe('gpu-1')
  })
})

describe('DELETE /backends/:id', () => {
  it('deletes the backend, its group memberships, its own credentials and its cached model list', async () => {
    const id = await cachedOpenAIBackend('oa', 'del-cache-1')
    const kept = await createBackend('kept', 'vllm', 'http://kept:8000')
    expect(
      (await adminJson('POST', '/providers/openai/configure', { apiKeyEnv: 'OPENAI_KEY_FROM_ENV', backendId: id }))
        .status,
    ).toBe(200)
    await withDb(async (db) => {
      await db.insert(groups).values({ id: 'g', name: 'Chat', purposeType: 'Internal Chat' })
      await db.insert(groupBackends).values([
        { groupId: 'g', backendId: id },
        { groupId: 'g', backendId: kept },
      ])
    })

    const response = await adminJson('DELETE', `/backends/${id}`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ deleted: id })
    expect((await call(`/backends/${id}`, { headers: ADMIN })).status).toBe(404)
    expect(await env.KV.get(`prov:${id}`)).toBeNull()
    const rows = await withDb(async (db) => ({
      memberships: (await db.execute(sql`select backend_id from group_backends`)).rows,
      configs: (await db.execute(sql`select scope from provider_configs order by scope`)).rows,
      groups: (await db.execute(sql`select id from groups`)).rows,
    }))
    expect(rows).toEqual({ memberships: [{ backend_id: kept }], configs: [{ scope: 'openai' }], groups: [{ id: 'g' }] })
  })

  it('answers 404 for an unknown id', async () => {
    await createBackend('a', 'vllm', 'http://v:8000')
    const response = await adminJson('DELETE', '/backends/nope')
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: { code: 'backend_not_found', param: 'id' } })
    expect(await backendCount()).toBe(1)
  })

  it('needs the admin token', async () => {
    const id = await createBackend('a', 'vllm', 'http://v:8000')
    expect((await call(`/backends/${id}`, { method: 'DELETE' })).status).toBe(401)
    expect((await call(`/backends/${id}`, { method: 'DELETE', headers: READER })).status).toBe(403)
    expect(await backendCount()).toBe(1)
  })
})
