import { sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { ADMIN, adminJson, call, createBackend, fetchWith, resetAll, withDb } from './helpers'

beforeEach(resetAll)

interface ErrorBody {
  error: { message: string; type: string; code: string; param?: string }
}

const count = (table: 'backends' | 'provider_configs' | 'groups' | 'declared_models') =>
  withDb(async (db) =>
    Number((await db.execute(sql`select count(*)::int as n from ${sql.identifier(table)}`)).rows[0]!.n),
  )

const backend = { name: 'gpu-1', type: 'vllm', baseUrl: 'http://gpu-1:8000' }

describe('body size', () => {
  it('answers 413 with the error body for a body over 64 KiB, and writes nothing', async () => {
    const response = await adminJson('POST', '/backends', { ...backend, name: 'x'.repeat(70 * 1024) })
    expect(response.status).toBe(413)
    expect(await response.json()).toEqual({
      error: {
        message: 'request body must be at most 65536 bytes',
        type: 'invalid_request_error',
        code: 'body_too_large',
      },
    })
    expect(await count('backends')).toBe(0)
  })

  it('counts a streamed body that announces no length', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(16 * 1024))
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const response = await call('/backends', {
      method: 'POST',
      headers: { ...ADMIN, 'Content-Type': 'application/json' },
      body: stream,
      // @ts-expect-error: a streamed request body needs duplex, which the lib types do not know yet
      duplex: 'half',
    })
    expect(response.status).toBe(413)
    expect((await response.json<ErrorBody>()).error.code).toBe('body_too_large')
  })

  it('answers 413 for a 1 MB apiKey, and 422 naming apiKey for a 9 KiB one', async () => {
    const huge = await adminJson('POST', '/providers/openai/configure', {
      apiKey: `sk-test-${'k'.repeat(1024 * 1024)}`,
    })
    expect(huge.status).toBe(413)
    const long = await adminJson('POST', '/providers/openai/configure', { apiKey: `sk-test-${'k'.repeat(9 * 1024)}` })
    expect(long.status).toBe(422)
    const { error } = await long.json<ErrorBody>()
    expect(error).toMatchObject({ code: 'invalid_field', param: 'apiKey' })
    expect(error.message).toBe('apiKey: apiKey must be at most 8192 characters')
    expect(error.message).not.toContain('kkkk')
    expect(await count('provider_configs')).toBe(0)
  })
})

describe('content type', () => {
  it.each([
    ['text/plain', 'send JSON: Content-Type must be application/json, not text/plain'],
    [
      'application/x-www-form-urlencoded',
      'send JSON: Content-Type must be application/json, not application/x-www-form-urlencoded',
    ],
    [undefined, 'send JSON: Content-Type must be application/json'],
  ])('answers 415 for a JSON route sent %s, and writes nothing', async (contentType, message) => {
    const response = await call('/backends', {
      method: 'POST',
      headers: { ...ADMIN, ...(contentType ? { 'Content-Type': contentType } : {}) },
      // Bytes, not a string: a string body would be given text/plain by default.
      body: new TextEncoder().encode(JSON.stringify(backend)),
    })
    expect(response.status).toBe(415)
    expect(await response.json()).toEqual({
      error: { message, type: 'invalid_request_error', code: 'unsupported_media_type' },
    })
    expect(await count('backends')).toBe(0)
  })

  it('accepts JSON with a charset, and routes that take no body without a content type', async () => {
    const response = await call('/backends', {
      method: 'POST',
      headers: { ...ADMIN, 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify(backend),
    })
    expect(response.status).toBe(201)
    const id = (await response.json<{ id: string }>()).id
    expect((await call(`/backends/${id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(200)
  })
})

describe('methods', () => {
  it.each([
    ['DELETE', '/backends', 'GET, HEAD, POST'],
    ['PATCH', '/backends/some-id', 'GET, HEAD, PUT, DELETE'],
    ['POST', '/providers/openai/status', 'GET, HEAD'],
    ['GET', '/providers/openai/configure', 'POST'],
    ['POST', '/state', 'GET, HEAD'],
    ['GET', '/capability-overrides/openai/org/model', 'PUT, DELETE'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    const response = await call(path, { method, headers: ADMIN })
    expect(response.status).toBe(405)
    expect(response.headers.get('Allow')).toBe(allow)
    expect(await response.json()).toEqual({
      error: {
        message: `${method} is not allowed on ${path}; use ${allow}`,
        type: 'invalid_request_error',
        code: 'method_not_allowed',
      },
    })
  })

  it('still answers 404 for a path no route has, and 401 before 405 without a token', async () => {
    expect((await call('/nothing-here', { method: 'DELETE', headers: ADMIN })).status).toBe(404)
    expect((await call('/backends', { method: 'DELETE' })).status).toBe(401)
  })
})

describe('fields', () => {
  it('names an unknown field rather than dropping it', async () => {
    const response = await adminJson('POST', '/backends', { ...backend, colour: 'red' })
    expect(response.status).toBe(422)
    expect(await response.json()).toMatchObject({
      error: { code: 'invalid_field', param: 'colour', message: 'unknown field "colour"' },
    })
    const nested = await adminJson('POST', '/setup/bootstrap', { extraModels: [{ name: 'm', canChat: true, size: 1 }] })
    expect(nested.status).toBe(422)
    expect(await nested.json()).toMatchObject({
      error: { param: 'extraModels.0.size', message: 'extraModels.0: unknown field "size"' },
    })
    expect(await count('backends')).toBe(0)
  })

  it('says what is wrong in its own words', async () => {
    const response = await adminJson('POST', '/backends', {
      name: 42,
      type: 'vllm',
      baseUrl: `http://${'h'.repeat(600)}`,
    })
    expect(response.status).toBe(422)
    const { error } = await response.json<ErrorBody>()
    expect(error.message).toBe('name: name must be a string; baseUrl: baseUrl must be at most 512 characters')
    expect(error.param).toBe('name')
    const notObject = await adminJson('POST', '/groups', ['Chat'])
    expect(await notObject.json()).toMatchObject({ error: { message: 'body: body must be a JSON object' } })
    const flag = await adminJson('PUT', '/capability-overrides/openai/gpt-5', { canThink: 'yes' })
    expect(await flag.json()).toMatchObject({ error: { param: 'canThink' } })
  })

  it.each([
    ['NUL', 'gpu\u0000one'],
    ['a lone surrogate', 'gpu\ud800one'],
  ])('answers 422 naming the field for %s in a text field, and writes nothing', async (_what, name) => {
    const response = await adminJson('POST', '/backends', { ...backend, name })
    expect(response.status).toBe(422)
    expect(await response.json()).toMatchObject({
      error: {
        code: 'invalid_field',
        param: 'name',
        message: 'name: name must not contain NUL (\\u0000) or unpaired surrogate characters',
      },
    })
    const group = await adminJson('POST', '/groups', { name: 'Chat', purposeType: `x${name}` })
    expect(await group.json()).toMatchObject({ error: { param: 'purposeType' } })
    const model = await adminJson('POST', '/declared-models', { model: name, canChat: true })
    expect(await model.json()).toMatchObject({ error: { param: 'model' } })
    expect(await count('backends')).toBe(0)
    expect(await count('groups')).toBe(0)
    expect(await count('declared_models')).toBe(0)
  })

  it('answers 422 for NUL in a path id instead of handing it to the database', async () => {
    const response = await call('/backends/a%00b', { headers: ADMIN })
    expect(response.status).toBe(422)
    expect(await response.json()).toMatchObject({ error: { param: 'id' } })
    const long = await call(`/groups/${'g'.repeat(300)}`, { headers: ADMIN })
    expect(await long.json()).toMatchObject({
      error: { param: 'id', message: 'id: id must be at most 255 characters' },
    })
  })

  it('refuses a user name or password in baseUrl', async () => {
    for (const baseUrl of ['http://user:s3cret-test@gpu-1:8000', 'http://user@gpu-1:8000']) {
      const response = await adminJson('POST', '/backends', { ...backend, baseUrl })
      expect(response.status).toBe(422)
      const { error } = await response.json<ErrorBody>()
      expect(error.param).toBe('baseUrl')
      expect(error.message).toContain('baseUrl must not contain a user name or password')
      expect(error.message).not.toContain('s3cret-test')
    }
    const id = await createBackend('gpu-1', 'vllm', 'http://gpu-1:8000')
    const put = await adminJson('PUT', `/backends/${id}`, { ...backend, baseUrl: 'http://u:p@gpu-1:8000' })
    expect(put.status).toBe(422)
    expect(await count('backends')).toBe(1)
  })
})

describe('concurrent duplicates', () => {
  it('give exactly one 201 and a 409 for each of the others', async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, () => adminJson('POST', '/backends', backend)))
    const statuses = responses.map((r) => r.status).sort()
    expect(statuses.filter((s) => s === 201)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(49)
    for (const response of responses.filter((r) => r.status === 409)) {
      expect(await response.json()).toMatchObject({ error: { code: 'backend_exists', param: 'name' } })
    }
    expect(await count('backends')).toBe(1)
  })

  it('give one stored credential and a 409 for the others when configured at once without upsert', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        adminJson('POST', '/providers/openai/configure', { apiKeyEnv: `OPENAI_KEY_${i}` }),
      ),
    )
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(9)
    expect(await count('provider_configs')).toBe(1)
  })
})

describe('a database that cannot be reached', () => {
  const down = { DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:1/postgres', NEON_WS_PROXY: '127.0.0.1:1' }

  it.each([
    ['GET', '/backends'],
    ['GET', '/providers/configs'],
    ['POST', '/backends'],
  ])('answers %s %s with 503 and Retry-After, never 500', async (method, path) => {
    const response = await fetchWith(down, path, {
      method,
      headers: { ...ADMIN, 'Content-Type': 'application/json' },
      body: method === 'POST' ? JSON.stringify(backend) : undefined,
    })
    expect(response.status).toBe(503)
    expect(Number(response.headers.get('Retry-After'))).toBeGreaterThan(0)
    const body = await response.json<ErrorBody>()
    expect(body.error).toMatchObject({ code: 'database_unavailable', type: 'unavailable_error' })
    expect(body.error.message).not.toContain('postgres://')
  })
})

describe('/openapi.json', () => {
  it('documents the body, and the answers a JSON route can give besides its own', async () => {
    const spec = await (
      await call('/openapi.json')
    ).json<{
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>
    }>()
    for (const [path, method] of [
      ['/backends', 'post'],
      ['/providers/{type}/configure', 'post'],
      ['/setup/bootstrap', 'post'],
    ] as const) {
      const operation = spec.paths[path]![method]!
      expect(operation.requestBody).toBeDefined()
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['413', '415', '422', '503']))
    }
    expect(spec.paths['/backends']!.get!.responses['415']).toBeUndefined()
  })
})
