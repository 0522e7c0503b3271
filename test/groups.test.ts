import { asc } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { backends, declaredModels, groupBackends, groupModels, groups } from '../src/db/schema'
import type { BackendRuntimeState } from '../src/published/types'
import {
  ADMIN,
  READER,
  adminChangesDuring,
  adminJson,
  call,
  createBackend,
  fake,
  fakeCalls,
  readState,
  resetAll,
  runScheduled,
  stateOf,
  withDb,
} from './helpers'

beforeEach(resetAll)
afterEach(() => vi.restoreAllMocks())

const LOCAL_TENANT = '00000000-0000-0000-0000-000000000001'

interface Group {
  id: string
  name: string
  purposeType: string
  backendIds: string[]
  modelIds: string[]
  createdAt: string
  updatedAt: string
}
interface ErrorResponse {
  error: { message: string; type: string; code: string; param?: string }
}

const tables = () =>
  withDb(async (db) => ({
    groups: await db
      .select({ id: groups.id, name: groups.name, purposeType: groups.purposeType })
      .from(groups)
      .orderBy(asc(groups.name)),
    backends: await db
      .select({ groupId: groupBackends.groupId, backendId: groupBackends.backendId })
      .from(groupBackends)
      .orderBy(asc(groupBackends.backendId)),
    models: await db
      .select({ groupId: groupModels.groupId, modelId: groupModels.modelId })
      .from(groupModels)
      .orderBy(asc(groupModels.modelId)),
  }))

async function createGroup(name: string, purposeType = 'Internal Chat'): Promise<Group> {
  const response = await adminJson('POST', '/groups', { name, purposeType })
  if (response.status !== 201) throw new Error(`POST /groups: ${response.status} ${await response.text()}`)
  return await response.json<Group>()
}

async function declare(model: string, flags: Record<string, boolean> = { canChat: true }): Promise<string> {
  const response = await adminJson('POST', '/declared-models', { model, ...flags })
  if (response.status !== 201) throw new Error(`POST /declared-models: ${response.status} ${await response.text()}`)
  return (await response.json<{ id: string }>()).id
}

/** The change feed's backend.added and backend.removed events, oldest first. */
async function backendEvents(): Promise<{ kind: string; backendId: string }[]> {
  const response = await call('/events?limit=100', { headers: READER })
  expect(response.status).toBe(200)
  const { events } = await response.json<{ events: { kind: string; backendId: string }[] }>()
  return events
    .filter((e) => e.kind === 'backend.added' || e.kind === 'backend.removed')
    .map(({ kind, backendId }) => ({ kind, backendId }))
}

const getGroup = async (id: string) => await (await call(`/groups/${id}`, { headers: ADMIN })).json<Group>()

describe('group auth', () => {
  it.each([
    ['POST', '/groups'],
    ['GET', '/groups'],
    ['GET', '/groups/:g'],
    ['PUT', '/groups/:g'],
    ['DELETE', '/groups/:g'],
    ['PUT', '/groups/:g/backends/:b'],
    ['DELETE', '/groups/:g/backends/:b'],
    ['PUT', '/groups/:g/models/:m'],
    ['DELETE', '/groups/:g/models/:m'],
  ])('%s %s needs the admin token and changes nothing without it', async (method, template) => {
    const group = await createGroup('Chat')
    const b = await createBackend('b1', 'vllm', 'http://b1:8000')
    const m = await declare('qwen3-8b')
    if (method === 'DELETE') {
      await adminJson('PUT', `/groups/${group.id}/backends/${b}`)
      await adminJson('PUT', `/groups/${group.id}/models/${m}`)
    }
    const before = await tables()
    const path = template.replace(':g', group.id).replace(':b', b).replace(':m', m)
    const body =
      template === '/groups' || template === '/groups/:g' ? JSON.stringify({ name: 'n', purposeType: 'p' }) : undefined
    const json = { 'Content-Type': 'application/json' }
    for (const [auth, status] of [
      [{}, 401],
      [{ Authorization: 'Bearer nope' }, 403],
      [READER, 403],
    ] as const) {
      const response = await call(path, {
        method,
        headers: { ...json, ...auth },
        body: method === 'GET' ? undefined : body,
      })
      expect(response.status).toBe(status)
    }
    expect(await tables()).toEqual(before)
  })
})

describe('POST /groups', () => {
  it('creates a group with a random id and no members', async () => {
    const changes = await adminChangesDuring(async () => {
      const response = await adminJson('POST', '/groups', { name: ' Chat ', purposeType: 'Internal Chat' })
      expect(response.status).toBe(201)
      const body = await response.json<Group>()
      expect(body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/) as unknown,
        name: 'Chat',
        purposeType: 'Internal Chat',
        backendIds: [],
        modelIds: [],
        createdAt: expect.any(String) as unknown,
        updatedAt: expect.any(String) as unknown,
      })
      expect(await getGroup(body.id)).toEqual(body)
    })
    expect(changes).toEqual([
      { msg: 'admin change', action: 'group.create', id: expect.any(String) as unknown, name: 'Chat' },
    ])
    const other = await createGroup('Tasks')
    expect((await tables()).groups.map((g) => g.id)).toContain(other.id)
    expect(other.id).not.toBe(changes[0]!.id)
  })

  it.each([
    [{ purposeType: 'p' }, 'name: name is required', 'name'],
    [{ name: '  ', purposeType: 'p' }, 'name: name is required', 'name'],
    [{ name: 3, purposeType: 'p' }, 'name: name must be a string', 'name'],
    [{ name: 'n' }, 'purposeType: purposeType is required', 'purposeType'],
    [{ name: 'n', purposeType: '' }, 'purposeType: purposeType is required', 'purposeType'],
    [{ name: 'x'.repeat(513), purposeType: 'p' }, 'name: name must be at most 512 characters', 'name'],
  ])('rejects %j with 422 and writes nothing', async (body, message, param) => {
    const response = await adminJson('POST', '/groups', body)
    expect(response.status).toBe(422)
    const { error } = await response.json<ErrorResponse>()
    expect(error.message).toContain(message)
    expect(error).toMatchObject({ code: 'invalid_field', param })
    expect((await tables()).groups).toEqual([])
  })

  it('names both bad fields at once', async () => {
    const response = await adminJson('POST', '/groups', {})
    expect(response.status).toBe(422)
    const { error } = await response.json<ErrorResponse>()
    expect(error.message).toContain('name: name is required')
    expect(error.message).toContain('purposeType: purposeType is required')
  })

  it('rejects a body that is not JSON', async () => {
    const response = await call('/groups', {
      method: 'POST',
      headers: { ...ADMIN, 'Content-Type': 'application/json' },
      body: 'nope',
    })
    expect(response.status).toBe(400)
    expect((await tables()).groups).toEqual([])
  })

  it('answers 409 for a taken name', async () => {
    await createGroup('Chat')
    const response = await adminJson('POST', '/groups', { name: 'Chat', purposeType: 'Other' })
    expect(response.status).toBe(409)
    expect(await response.json()).toEqual({
      error: {
        message: 'group named "Chat" already exists',
        type: 'conflict_error',
        code: 'group_exists',
        param: 'name',
      },
    })
    expect((await tables()).groups).toMatchObject([{ name: 'Chat', purposeType: 'Internal Chat' }])
  })
})

describe('GET /groups', () => {
  it('lists every group by name with its sorted members, [] when none', async () => {
    expect(await (await call('/groups', { headers: ADMIN })).json()).toEqual([])
    const tasks = await createGroup('Tasks', 'Internal Tasks')
    const chat = await createGroup('Chat')
    const b1 = await createBackend('b1', 'vllm', 'http://b1:8000')
    const b2 = await createBackend('b2', 'vllm', 'http://b2:8000')
    const m = await declare('qwen3-8b')
    for (const path of [
      `/groups/${chat.id}/backends/${b2}`,
      `/groups/${chat.id}/backends/${b1}`,
      `/groups/${chat.id}/models/${m}`,
    ]) {
      expect((await adminJson('PUT', path)).status).toBe(200)
    }
    const response = await call('/groups', { headers: ADMIN })
    expect(response.status).toBe(200)
    const listed = await response.json<Group[]>()
    expect(listed).toEqual([
      { ...chat, backendIds: [b1, b2].sort(), modelIds: [m] },
      { ...tasks, backendIds: [], modelIds: [] },
    ])
    expect(await getGroup(chat.id)).toEqual(listed[0])
  })

  it('answers 404 for an unknown group', async () => {
    const response = await call('/groups/nope', { headers: ADMIN })
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({
      error: { message: 'no group nope', type: 'not_found_error', code: 'group_not_found', param: 'id' },
    })
  })
})

describe('PUT /groups/:id', () => {
  it('renames a group and changes its purpose, keeping its members', async () => {
    const group = await createGroup('Chat')
    const b = await createBackend('b1', 'vllm', 'http://b1:8000')
    await adminJson('PUT', `/groups/${group.id}/backends/${b}`)
    const changes = await adminChangesDuring(async () => {
      const response = await adminJson('PUT', `/groups/${group.id}`, { name: 'Talk', purposeType: 'Chat UI' })
      expect(response.status).toBe(200)
      const body = await response.json<Group>()
      expect(body).toMatchObject({
        id: group.id,
        name: 'Talk',
        purposeType: 'Chat UI',
        backendIds: [b],
        modelIds: [],
        createdAt: group.createdAt,
      })
      expect(Date.parse(body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(group.updatedAt))
    })
    expect(changes).toEqual([{ msg: 'admin change', action: 'group.update', id: group.id, name: 'Talk' }])
    expect((await tables()).groups).toEqual([{ id: group.id, name: 'Talk', purposeType: 'Chat UI' }])
  })

  it('answers 409 for a taken name, changing nothing', async () => {
    await createGroup('Chat')
    const tasks = await createGroup('Tasks', 'Internal Tasks')
    const response = await adminJson('PUT', `/groups/${tasks.id}`, { name: 'Chat', purposeType: 'x' })
    expect(response.status).toBe(409)
    expect(await response.json()).toMatchObject({
      error: { code: 'group_exists', message: 'group named "Chat" already exists', param: 'name' },
    })
    expect((await tables()).groups.map((g) => [g.name, g.purposeType])).toEqual([
      ['Chat', 'Internal Chat'],
      ['Tasks', 'Internal Tasks'],
    ])
  })

  it('answers 404 for an unknown group and writes nothing', async () => {
    const response = await adminJson('PUT', '/groups/nope', { name: 'Chat', purposeType: 'x' })
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: { code: 'group_not_found', param: 'id' } })
    expect((await tables()).groups).toEqual([])
  })

  it('answers 422 naming the bad field, changing nothing', async () => {
    const group = await createGroup('Chat')
    const response = await adminJson('PUT', `/groups/${group.id}`, { name: 'Talk', purposeType: '' })
    expect(response.status).toBe(422)
    expect(await response.json()).toMatchObject({
      error: { param: 'purposeType', message: 'purposeType: purposeType is required' },
    })
    expect(await getGroup(group.id)).toEqual(group)
  })
})

describe('DELETE /groups/:id', () => {
  it('deletes the group and its memberships; the backends and models stay', async () => {
    const gone = await createGroup('Chat')
    const kept = await createGroup('Tasks')
    const b = await createBackend('b1', 'vllm', 'http://b1:8000')
    const m = await declare('qwen3-8b')
    for (const g of [gone, kept]) {
      await adminJson('PUT', `/groups/${g.id}/backends/${b}`)
      await adminJson('PUT', `/groups/${g.id}/models/${m}`)
    }
    const changes = await adminChangesDuring(async () => {
      const response = await adminJson('DELETE', `/groups/${gone.id}`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ deleted: gone.id })
    })
    expect(changes).toEqual([{ msg: 'admin change', action: 'group.delete', id: gone.id }])
    expect(await tables()).toEqual({
      groups: [{ id: kept.id, name: 'Tasks', purposeType: 'Internal Chat' }],
      backends: [{ groupId: kept.id, backendId: b }],
      models: [{ groupId: kept.id, modelId: m }],
    })
    expect(await withDb((db) => db.select({ id: backends.id }).from(backends))).toEqual([{ id: b }])
    expect(await withDb((db) => db.select({ id: declaredModels.id }).from(declaredModels))).toEqual([{ id: m }])
    const again = await adminJson('DELETE', `/groups/${gone.id}`)
    expect(again.status).toBe(404)
    expect(await again.json()).toMatchObject({ error: { code: 'group_not_found', param: 'id' } })
  })
})

describe('group memberships', () => {
  it('puts a backend and a model in a group, idempotently, and takes them out', async () => {
    const group = await createGroup('Chat')
    const b = await createBackend('b1', 'vllm', 'http://b1:8000')
    const m = await declare('qwen3-8b')

    const changes = await adminChangesDuring(async () => {
      for (let i = 0; i < 2; i++) {
        const putBackend = await adminJson('PUT', `/groups/${group.id}/backends/${b}`)
        expect(putBackend.status).toBe(200)
        expect(await putBackend.json()).toMatchObject({ id: group.id, name: 'Chat', backendIds: [b], modelIds: [] })
      }
      const putModel = await adminJson('PUT', `/groups/${group.id}/models/${m}`)
      expect(putModel.status).toBe(200)
      expect(await putModel.json()).toMatchObject({ id: group.id, backendIds: [b], modelIds: [m] })
      expect((await adminJson('PUT', `/groups/${group.id}/models/${m}`)).status).toBe(200)
    })
    expect(changes.map((c) => c.action)).toEqual([
      'group.add-backend',
      'group.add-backend',
      'group.add-model',
      'group.add-model',
    ])
    expect(changes[0]).toEqual({ msg: 'admin change', action: 'group.add-backend', id: group.id, backendId: b })
    expect(await tables()).toMatchObject({
      backends: [{ groupId: group.id, backendId: b }],
      models: [{ groupId: group.id, modelId: m }],
    })

    const removeBackend = await adminJson('DELETE', `/groups/${group.id}/backends/${b}`)
    expect(removeBackend.status).toBe(200)
    expect(await removeBackend.json()).toMatchObject({ id: group.id, backendIds: [], modelIds: [m] })
    const removeModel = await adminJson('DELETE', `/groups/${group.id}/models/${m}`)
    expect(removeModel.status).toBe(200)
    expect(await removeModel.json()).toMatchObject({ id: group.id, backendIds: [], modelIds: [] })
    expect(await tables()).toMatchObject({ backends: [], models: [] })
  })

  it('answers 404 when the membership to remove does not exist', async () => {
    const group = await createGroup('Chat')
    const b = await createBackend('b1', 'vllm', 'http://b1:8000')
    const m = await declare('qwen3-8b')
    const backend = await adminJson('DELETE', `/groups/${group.id}/backends/${b}`)
    expect(backend.status).toBe(404)
    expect(await backend.json()).toEqual({
      error: {
        message: `backend ${b} is not in group ${group.id}`,
        type: 'not_found_error',
        code: 'membership_not_found',
        param: 'backendId',
      },
    })
    const model = await adminJson('DELETE', `/groups/${group.id}/models/${m}`)
    expect(model.status).toBe(404)
    expect(await model.json()).toMatchObject({ error: { code: 'membership_not_found', param: 'modelId' } })
  })

  it.each(['PUT', 'DELETE'])(
    '%s answers 404 naming the unknown group, backend or model, and writes nothing',
    async (method) => {
      const group = await createGroup('Chat')
      const b = await createBackend('b1', 'vllm', 'http://b1:8000')
      const m = await declare('qwen3-8b')
      const cases = [
        [`/groups/nope/backends/${b}`, 'group_not_found', 'id', 'no group nope'],
        [`/groups/nope/models/${m}`, 'group_not_found', 'id', 'no group nope'],
        [`/groups/nope/backends/nope`, 'group_not_found', 'id', 'no group nope'],
        [`/groups/${group.id}/backends/nope`, 'backend_not_found', 'backendId', 'no backend nope'],
        [`/groups/${group.id}/models/nope`, 'declared_model_not_found', 'modelId', 'no declared model nope'],
        // A model id is not a backend id, nor the other way round.
        [`/groups/${group.id}/backends/${m}`, 'backend_not_found', 'backendId', `no backend ${m}`],
        [`/groups/${group.id}/models/${b}`, 'declared_model_not_found', 'modelId', `no declared model ${b}`],
      ]
      for (const [path, code, param, message] of cases) {
        const response = await adminJson(method, path!)
        expect(response.status, path).toBe(404)
        expect(await response.json(), path).toEqual({ error: { message, type: 'not_found_error', code, param } })
      }
      expect(await tables()).toMatchObject({ backends: [], models: [] })
    },
  )

  it('lose a backend or model that is deleted', async () => {
    const group = await createGroup('Chat')
    const b = await createBackend('b1', 'vllm', 'http://b1:8000')
    const m = await declare('qwen3-8b')
    await adminJson('PUT', `/groups/${group.id}/backends/${b}`)
    await adminJson('PUT', `/groups/${group.id}/models/${m}`)
    expect((await adminJson('DELETE', `/backends/${b}`)).status).toBe(200)
    expect((await adminJson('DELETE', `/declared-models/${m}`)).status).toBe(200)
    expect(await getGroup(group.id)).toMatchObject({ backendIds: [], modelIds: [] })
  })
})

describe('well-known groups', () => {
  it('are ordinary groups: renamed, re-membered and deleted like any other, and bootstrap recreates them', async () => {
    const boot = { tenantId: LOCAL_TENANT, embedModel: 'nomic-embed-text:latest' }
    expect((await adminJson('POST', '/setup/bootstrap', boot)).status).toBe(200)
    const embed = await getGroup('internal_embed_group')
    expect(embed).toMatchObject({
      name: 'Embedder',
      purposeType: 'Internal Embeddings',
      modelIds: [expect.any(String)],
    })

    const renamed = await adminJson('PUT', '/groups/internal_embed_group', {
      name: 'Embeddings',
      purposeType: 'Internal Embeddings',
    })
    expect(renamed.status).toBe(200)
    const removed = await adminJson('DELETE', `/groups/internal_embed_group/models/${embed.modelIds[0]}`)
    expect(removed.status).toBe(200)
    expect(await removed.json()).toMatchObject({ name: 'Embeddings', modelIds: [] })
    expect((await adminJson('DELETE', '/groups/internal_embed_group')).status).toBe(200)
    expect((await call('/groups/internal_embed_group', { headers: ADMIN })).status).toBe(404)

    expect((await adminJson('POST', '/setup/bootstrap', boot)).status).toBe(200)
    expect(await getGroup('internal_embed_group')).toMatchObject({ name: 'Embedder', modelIds: embed.modelIds })
  })
})

describe('groups drive the cycle (GROUPS=true)', () => {
  const cycle = () => runScheduled({ GROUPS: 'true', AUTO_DISCOVER: 'false' })

  it('probes a backend put in a group against the group models only, and drops it once taken out', async () => {
    const grouped = await createBackend('grouped', 'vllm', fake('vllm', 'ok', 'grp-route-1'))
    await createBackend('loner', 'vllm', fake('vllm', 'ok', 'grp-route-2'))
    const qwen = await declare('qwen3-8b', { canChat: true, canStream: true })
    // Declared, and served by the fake vLLM, but in no group: the grouped backend must not list it.
    await declare('sql-lora', { canPrompt: true })
    const group = await createGroup('Chat')

    // A group with no backend probes nothing.
    await adminJson('PUT', `/groups/${group.id}/models/${qwen}`)
    await cycle()
    expect(await readState()).toEqual([])
    expect(await fakeCalls('/vllm/ok/grp-route')).toEqual([])

    expect((await adminJson('PUT', `/groups/${group.id}/backends/${grouped}`)).status).toBe(200)
    await cycle()
    const state = await stateOf('grouped')
    expect(state).toMatchObject({ id: grouped, status: 'healthy', models: ['qwen3-8b'] })
    expect(state.error).toBeUndefined()
    expect(state.pulledModels).toHaveLength(1)
    expect(state.pulledModels[0]).toMatchObject({
      name: qwen,
      model: 'qwen3-8b',
      canChat: true,
      canStream: true,
      canPrompt: false,
    })
    expect((await readState<BackendRuntimeState[]>()).map((s) => s.name)).toEqual(['grouped'])
    expect((await fakeCalls('/vllm/ok/grp-route-1')).length).toBeGreaterThan(0)
    expect(await fakeCalls('/vllm/ok/grp-route-2')).toEqual([])

    expect((await adminJson('DELETE', `/groups/${group.id}/backends/${grouped}`)).status).toBe(200)
    await cycle()
    expect(await readState()).toEqual([])
  })

  it('records a backend taken out of its group as removed once, however many cycles follow, and as added when put back', async () => {
    const grouped = await createBackend('grouped', 'vllm', fake('vllm', 'ok', 'grp-events-1'))
    const qwen = await declare('qwen3-8b', { canChat: true })
    const group = await createGroup('Chat')
    await adminJson('PUT', `/groups/${group.id}/models/${qwen}`)
    await adminJson('PUT', `/groups/${group.id}/backends/${grouped}`)
    await cycle()
    expect(await backendEvents()).toEqual([{ kind: 'backend.added', backendId: grouped }])

    // Out of its group it is no longer probed: that is news once, not every cycle after.
    expect((await adminJson('DELETE', `/groups/${group.id}/backends/${grouped}`)).status).toBe(200)
    for (let i = 0; i < 4; i++) await cycle()
    expect(await backendEvents()).toEqual([
      { kind: 'backend.added', backendId: grouped },
      { kind: 'backend.removed', backendId: grouped },
    ])

    // Put back, it is added once more, as a new backend would be.
    expect((await adminJson('PUT', `/groups/${group.id}/backends/${grouped}`)).status).toBe(200)
    for (let i = 0; i < 2; i++) await cycle()
    expect(await backendEvents()).toEqual([
      { kind: 'backend.added', backendId: grouped },
      { kind: 'backend.removed', backendId: grouped },
      { kind: 'backend.added', backendId: grouped },
    ])
    expect(await stateOf('grouped')).toMatchObject({ id: grouped, status: 'healthy', models: ['qwen3-8b'] })
  })
})

describe('/openapi.json', () => {
  it('documents every group route with the Group schema', async () => {
    const doc = await (
      await call('/openapi.json')
    ).json<{
      paths: Record<
        string,
        Record<
          string,
          { tags: string[]; responses: Record<string, { content?: { 'application/json': { schema: unknown } } }> }
        >
      >
      components: { schemas: Record<string, { properties: Record<string, unknown> }> }
    }>()
    const methods = Object.fromEntries(
      Object.entries(doc.paths)
        .filter(([p]) => p.startsWith('/groups'))
        .map(([p, ops]) => [p, Object.keys(ops).sort()]),
    )
    expect(methods).toEqual({
      '/groups': ['get', 'post'],
      '/groups/{id}': ['delete', 'get', 'put'],
      '/groups/{id}/backends/{backendId}': ['delete', 'put'],
      '/groups/{id}/models/{modelId}': ['delete', 'put'],
    })
    expect(doc.paths['/groups']!.post!.responses['201']!.content!['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Group',
    })
    expect(doc.paths['/groups/{id}/backends/{backendId}']!.put!.responses['404']).toBeDefined()
    expect(Object.keys(doc.components.schemas.Group!.properties).sort()).toEqual([
      'backendIds',
      'createdAt',
      'id',
      'modelIds',
      'name',
      'purposeType',
      'updatedAt',
    ])
  })
})
