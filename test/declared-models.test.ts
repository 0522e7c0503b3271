import { asc, sql } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { modelId } from '../src/db/bootstrap'
import { declaredModels, groupModels, groups } from '../src/db/schema'
import { ADMIN, READER, adminChangesDuring, adminJson, call, fetchWith, resetAll, withDb } from './helpers'

beforeEach(resetAll)
afterEach(() => vi.restoreAllMocks())

const LOCAL_TENANT = '00000000-0000-0000-0000-000000000001'
/** The id /setup/bootstrap derives for `qwen2.5:7b` in the local tenant (test/bootstrap.test.ts). */
const QWEN_ID = '2283c759-c373-56e6-8559-e7bfed0a450c'

interface Model {
  id: string
  model: string
  contextLength: number
  canChat: boolean
  canEmbed: boolean
  canPrompt: boolean
  canStream: boolean
  createdAt: string
  updatedAt: string
}
interface ErrorResponse {
  error: { message: string; type: string; code: string; param?: string }
}

const rows = () =>
  withDb((db) =>
    db
      .select({
        id: declaredModels.id,
        model: declaredModels.model,
        contextLength: declaredModels.contextLength,
        canChat: declaredModels.canChat,
        canEmbed: declaredModels.canEmbed,
        canPrompt: declaredModels.canPrompt,
        canStream: declaredModels.canStream,
      })
      .from(declaredModels)
      .orderBy(asc(declaredModels.model)),
  )
const memberships = () =>
  withDb((db) =>
    db
      .select({ groupId: groupModels.groupId, modelId: groupModels.modelId })
      .from(groupModels)
      .orderBy(asc(groupModels.groupId)),
  )

async function declare(body: Record<string, unknown>): Promise<Model> {
  const response = await adminJson('POST', '/declared-models', body)
  if (response.status !== 201) throw new Error(`POST /declared-models: ${response.status} ${await response.text()}`)
  return await response.json<Model>()
}

describe('declared-model auth', () => {
  it.each([
    ['POST', '/declared-models'],
    ['GET', '/declared-models'],
    ['GET', '/declared-models/:id'],
    ['PUT', '/declared-models/:id'],
    ['DELETE', '/declared-models/:id'],
  ])('%s %s needs the admin token and changes nothing without it', async (method, template) => {
    const existing = await declare({ model: 'qwen2.5:7b', canChat: true })
    const before = await rows()
    const path = template.replace(':id', existing.id)
    const body = method === 'POST' || method === 'PUT' ? JSON.stringify({ model: 'other', canEmbed: true }) : undefined
    const json = { 'Content-Type': 'application/json' }
    for (const [auth, status] of [
      [{}, 401],
      [{ Authorization: 'Bearer nope' }, 403],
      [READER, 403],
    ] as const) {
      expect((await call(path, { method, headers: { ...json, ...auth }, body })).status).toBe(status)
    }
    expect(await rows()).toEqual(before)
  })
})

describe('POST /declared-models', () => {
  it('declares a model under the id /setup/bootstrap derives, with defaults for what is omitted', async () => {
    const response = await adminJson('POST', '/declared-models', { model: ' qwen2.5:7b ', canChat: true })
    expect(response.status).toBe(201)
    const body = await response.json<Model>()
    expect(body).toEqual({
      id: QWEN_ID,
      model: 'qwen2.5:7b',
      contextLength: 0,
      canChat: true,
      canEmbed: false,
      canPrompt: false,
      canStream: false,
      catalogId: null,
      createdAt: expect.any(String) as unknown,
      updatedAt: expect.any(String) as unknown,
    })
    expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt)
    expect(body.id).toBe(modelId(LOCAL_TENANT, 'qwen2.5:7b'))
    expect(await rows()).toEqual([
      {
        id: QWEN_ID,
        model: 'qwen2.5:7b',
        contextLength: 0,
        canChat: true,
        canEmbed: false,
        canPrompt: false,
        canStream: false,
      },
    ])
  })

  it('keeps the id when /setup/bootstrap later names the same model', async () => {
    const declared = await declare({ model: 'qwen2.5:7b', canStream: true, contextLength: 8192 })
    const boot = await adminJson('POST', '/setup/bootstrap', { tenantId: LOCAL_TENANT, chatModel: 'qwen2.5:7b' })
    expect(boot.status).toBe(200)
    expect(await rows()).toEqual([
      {
        id: declared.id,
        model: 'qwen2.5:7b',
        contextLength: 8192,
        canChat: true,
        canEmbed: false,
        canPrompt: false,
        canStream: true,
      },
    ])
    expect(await memberships()).toEqual([{ groupId: 'internal_chat_group', modelId: declared.id }])
  })

  it('derives the id in the namespace of TENANT_ID', async () => {
    const tenant = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'
    const response = await fetchWith({ TENANT_ID: tenant }, '/declared-models', {
      method: 'POST',
      headers: { ...ADMIN, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'qwen2.5:7b', canEmbed: true }),
    })
    expect(response.status).toBe(201)
    const { id } = await response.json<Model>()
    expect(id).toBe(modelId(tenant, 'qwen2.5:7b'))
    expect(id).not.toBe(QWEN_ID)
  })

  it('reports a TENANT_ID that is not a UUID and writes nothing', async () => {
    const response = await fetchWith({ TENANT_ID: 'acme' }, '/declared-models', {
      method: 'POST',
      headers: { ...ADMIN, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'qwen2.5:7b', canEmbed: true }),
    })
    expect(response.status).toBe(500)
    expect(await response.json()).toMatchObject({
      error: { code: 'invalid_setting', message: expect.stringContaining('TENANT_ID') as unknown },
    })
    expect(await rows()).toEqual([])
  })

  it.each([
    [{ model: '', canChat: true }, 'model: model cannot be empty', 'model'],
    [{ model: '   ', canChat: true }, 'model: model cannot be empty', 'model'],
    [{ canChat: true }, 'model: model cannot be empty', 'model'],
    [{ model: 7, canChat: true }, 'model: model must be a string', 'model'],
    [{ model: 'm' }, 'model must have at least one capability', 'canChat'],
    [
      { model: 'm', canChat: false, canEmbed: false, canPrompt: false, canStream: false },
      'model must have at least one capability',
      'canChat',
    ],
    [
      { model: 'm', canChat: true, contextLength: -1 },
      'contextLength: contextLength must be an integer ≥ 0',
      'contextLength',
    ],
    [
      { model: 'm', canChat: true, contextLength: 1.5 },
      'contextLength: contextLength must be an integer ≥ 0',
      'contextLength',
    ],
    [
      { model: 'm', canChat: true, contextLength: '4096' },
      'contextLength: contextLength must be an integer ≥ 0',
      'contextLength',
    ],
    [
      { model: 'm', canChat: true, contextLength: 2 ** 31 },
      'contextLength: contextLength must be at most 2147483647',
      'contextLength',
    ],
    [{ model: 'm', canChat: 'yes' }, 'canChat: canChat must be true or false', 'canChat'],
    [{ model: 'x'.repeat(513), canChat: true }, 'model: model must be at most 512 characters', 'model'],
  ])('rejects %j with 422 and writes nothing', async (body, message, param) => {
    const response = await adminJson('POST', '/declared-models', body)
    expect(response.status).toBe(422)
    const { error } = await response.json<ErrorResponse>()
    expect(error.message).toContain(message)
    expect(error).toMatchObject({ code: 'invalid_field', type: 'invalid_request_error', param })
    expect(await rows()).toEqual([])
  })

  it('names every bad field at once', async () => {
    const response = await adminJson('POST', '/declared-models', { model: '', contextLength: -5, canEmbed: 1 })
    expect(response.status).toBe(422)
    const { error } = await response.json<ErrorResponse>()
    expect(error.message).toContain('model: model cannot be empty')
    expect(error.message).toContain('contextLength: contextLength must be an integer ≥ 0')
    expect(error.message).toContain('canEmbed: canEmbed must be true or false')
    expect(await rows()).toEqual([])
  })

  it('rejects a body that is not JSON', async () => {
    const response = await call('/declared-models', {
      method: 'POST',
      headers: { ...ADMIN, 'Content-Type': 'application/json' },
      body: '{',
    })
    expect(response.status).toBe(400)
    expect(await rows()).toEqual([])
  })

  it('answers 409 for a model name already declared, changing nothing', async () => {
    await declare({ model: 'gpt-5-mini', canChat: true, contextLength: 1000 })
    const again = await adminJson('POST', '/declared-models', { model: 'gpt-5-mini', canEmbed: true })
    expect(again.status).toBe(409)
    expect(await again.json()).toEqual({
      error: {
        message: 'model "gpt-5-mini" is already declared',
        type: 'conflict_error',
        code: 'model_exists',
        param: 'model',
      },
    })
    expect(await rows()).toMatchObject([{ model: 'gpt-5-mini', contextLength: 1000, canChat: true, canEmbed: false }])
  })

  it('logs the change', async () => {
    const changes = await adminChangesDuring(() => declare({ model: 'qwen2.5:7b', canChat: true }))
    expect(changes).toEqual([
      { msg: 'admin change', action: 'declared-model.create', id: QWEN_ID, model: 'qwen2.5:7b' },
    ])
  })
})

describe('GET /declared-models', () => {
  it('lists every declared model by name, [] when none', async () => {
    expect(await (await call('/declared-models', { headers: ADMIN })).json()).toEqual([])
    const b = await declare({ model: 'b-model', canPrompt: true })
    const a = await declare({ model: 'a-model', canChat: true, canStream: true, contextLength: 4096 })
    const c = await declare({ model: 'c-model', canEmbed: true })
    const response = await call('/declared-models', { headers: ADMIN })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual([a, b, c])
  })

  it('returns one model by id, 404 for an unknown one', async () => {
    const model = await declare({ model: 'qwen2.5:7b', canChat: true })
    const one = await call(`/declared-models/${model.id}`, { headers: ADMIN })
    expect(one.status).toBe(200)
    expect(await one.json()).toEqual(model)
    const missing = await call('/declared-models/nope', { headers: ADMIN })
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({
      error: {
        message: 'no declared model nope',
        type: 'not_found_error',
        code: 'declared_model_not_found',
        param: 'id',
      },
    })
  })
})

describe('PUT /declared-models/:id', () => {
  it('replaces flags and context length under the same id', async () => {
    const model = await declare({ model: 'qwen2.5:7b', canChat: true, canStream: true, contextLength: 4096 })
    const response = await adminJson('PUT', `/declared-models/${model.id}`, {
      model: 'qwen2.5:7b',
      canEmbed: true,
      contextLength: 8192,
    })
    expect(response.status).toBe(200)
    const body = await response.json<Model>()
    expect(body).toMatchObject({
      id: model.id,
      model: 'qwen2.5:7b',
      contextLength: 8192,
      canChat: false,
      canEmbed: true,
      canPrompt: false,
      canStream: false,
      createdAt: model.createdAt,
    })
    expect(Date.parse(body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(model.updatedAt))
    expect(await (await call(`/declared-models/${model.id}`, { headers: ADMIN })).json()).toEqual(body)
  })

  it('moves a renamed model to the id its new name derives, memberships and creation time included', async () => {
    const model = await declare({ model: 'qwen2.5:7b', canChat: true })
    await withDb(async (db) => {
      await db.insert(groups).values({ id: 'g1', name: 'Chat', purposeType: 'Internal Chat' })
      await db.insert(groupModels).values({ groupId: 'g1', modelId: model.id })
    })
    const response = await adminJson('PUT', `/declared-models/${model.id}`, { model: 'qwen3:8b', canChat: true })
    expect(response.status).toBe(200)
    const renamed = await response.json<Model>()
    const newId = modelId(LOCAL_TENANT, 'qwen3:8b')
    expect(renamed).toMatchObject({ id: newId, model: 'qwen3:8b', canChat: true, createdAt: model.createdAt })
    expect(await memberships()).toEqual([{ groupId: 'g1', modelId: newId }])
    expect((await call(`/declared-models/${model.id}`, { headers: ADMIN })).status).toBe(404)
    expect((await rows()).map((r) => r.id)).toEqual([newId])

    // The old name is free again, under its own derived id, as /setup/bootstrap would create it.
    expect(await declare({ model: 'qwen2.5:7b', canPrompt: true })).toMatchObject({ id: QWEN_ID })
    const boot = await adminJson('POST', '/setup/bootstrap', { tenantId: LOCAL_TENANT, taskModel: 'qwen3:8b' })
    expect(boot.status).toBe(200)
    expect((await rows()).map((r) => r.id)).toEqual([QWEN_ID, newId])
  })

  it('answers 409 when renaming onto a declared name, changing nothing', async () => {
    const a = await declare({ model: 'a-model', canChat: true })
    const b = await declare({ model: 'b-model', canEmbed: true })
    const response = await adminJson('PUT', `/declared-models/${b.id}`, { model: 'a-model', canEmbed: true })
    expect(response.status).toBe(409)
    expect(await response.json()).toMatchObject({
      error: { code: 'model_exists', message: 'model "a-model" is already declared', param: 'model' },
    })
    expect(await (await call('/declared-models', { headers: ADMIN })).json()).toEqual([a, b])
  })

  it('answers 404 for an unknown id and writes nothing', async () => {
    const response = await adminJson('PUT', '/declared-models/nope', { model: 'qwen2.5:7b', canChat: true })
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: { code: 'declared_model_not_found', param: 'id' } })
    expect(await rows()).toEqual([])
  })

  it.each([
    [{ model: '', canChat: true }, 'model: model cannot be empty', 'model'],
    [{ model: 'qwen2.5:7b' }, 'model must have at least one capability', 'canChat'],
    [
      { model: 'qwen2.5:7b', canChat: true, contextLength: -1 },
      'contextLength must be an integer ≥ 0',
      'contextLength',
    ],
  ])('rejects %j with 422 and changes nothing', async (body, message, param) => {
    const model = await declare({ model: 'qwen2.5:7b', canChat: true, contextLength: 4096 })
    const response = await adminJson('PUT', `/declared-models/${model.id}`, body)
    expect(response.status).toBe(422)
    const { error } = await response.json<ErrorResponse>()
    expect(error.message).toContain(message)
    expect(error.param).toBe(param)
    expect(await (await call(`/declared-models/${model.id}`, { headers: ADMIN })).json()).toEqual(model)
  })

  it('logs the change with the old and new id', async () => {
    const model = await declare({ model: 'qwen2.5:7b', canChat: true })
    const changes = await adminChangesDuring(() =>
      adminJson('PUT', `/declared-models/${model.id}`, { model: 'qwen3:8b', canChat: true }),
    )
    expect(changes).toEqual([
      {
        msg: 'admin change',
        action: 'declared-model.update',
        id: model.id,
        newId: modelId(LOCAL_TENANT, 'qwen3:8b'),
        model: 'qwen3:8b',
      },
    ])
  })
})

describe('DELETE /declared-models/:id', () => {
  it('deletes the model and its group memberships, leaving the group and other models', async () => {
    const gone = await declare({ model: 'qwen2.5:7b', canChat: true })
    const kept = await declare({ model: 'qwen3:8b', canChat: true })
    await withDb(async (db) => {
      await db.insert(groups).values({ id: 'g1', name: 'Chat', purposeType: 'Internal Chat' })
      await db.insert(groupModels).values([
        { groupId: 'g1', modelId: gone.id },
        { groupId: 'g1', modelId: kept.id },
      ])
    })
    const changes = await adminChangesDuring(async () => {
      const response = await adminJson('DELETE', `/declared-models/${gone.id}`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ deleted: gone.id })
    })
    expect(changes).toEqual([{ msg: 'admin change', action: 'declared-model.delete', id: gone.id }])
    expect((await rows()).map((r) => r.id)).toEqual([kept.id])
    expect(await memberships()).toEqual([{ groupId: 'g1', modelId: kept.id }])
    const groupCount = await withDb(
      async (db) => (await db.execute(sql`select count(*)::int as n from groups`)).rows[0]!.n,
    )
    expect(groupCount).toBe(1)
  })

  it('answers 404 for an unknown id, and for a second delete', async () => {
    const model = await declare({ model: 'qwen2.5:7b', canChat: true })
    expect((await adminJson('DELETE', `/declared-models/${model.id}`)).status).toBe(200)
    const again = await adminJson('DELETE', `/declared-models/${model.id}`)
    expect(again.status).toBe(404)
    expect(await again.json()).toMatchObject({ error: { code: 'declared_model_not_found', param: 'id' } })
  })
})

describe('/openapi.json', () => {
  it('documents every declared-model route with the DeclaredModel schema', async () => {
    const doc = await (
      await call('/openapi.json')
    ).json<{
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: { 'application/json': { schema: unknown } } }> }>
      >
      components: { schemas: Record<string, { properties: Record<string, unknown> }> }
    }>()
    const methods = Object.fromEntries(
      Object.entries(doc.paths)
        .filter(([p]) => p.startsWith('/declared-models'))
        .map(([p, ops]) => [p, Object.keys(ops).sort()]),
    )
    expect(methods).toEqual({ '/declared-models': ['get', 'post'], '/declared-models/{id}': ['delete', 'get', 'put'] })
    expect(doc.paths['/declared-models']!.post!.responses['201']!.content!['application/json'].schema).toEqual({
      $ref: '#/components/schemas/DeclaredModel',
    })
    expect(doc.paths['/declared-models/{id}']!.put!.responses['409']).toBeDefined()
    expect(Object.keys(doc.components.schemas.DeclaredModel!.properties).sort()).toEqual([
      'canChat',
      'canEmbed',
      'canPrompt',
      'canStream',
      'catalogId',
      'contextLength',
      'createdAt',
      'id',
      'model',
      'updatedAt',
    ])
  })
})
