import { asc, sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { declaredModels, groupModels, groups } from '../src/db/schema'
import { adminJson, resetAll, withDb } from './helpers'

beforeEach(resetAll)

const LOCAL_TENANT = '00000000-0000-0000-0000-000000000001'
const rows = () =>
  withDb(async (db) => ({
    models: await db
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
    groups: await db
      .select({ id: groups.id, name: groups.name, purposeType: groups.purposeType })
      .from(groups)
      .orderBy(asc(groups.id)),
    memberships: await db
      .select({ groupId: groupModels.groupId, modelId: groupModels.modelId })
      .from(groupModels)
      .orderBy(asc(groupModels.groupId), asc(groupModels.modelId)),
  }))

describe('POST /setup/bootstrap', () => {
  it('derives the seed worked-example ids and is idempotent', async () => {
    const body = {
      tenantId: LOCAL_TENANT,
      embedModel: 'nomic-embed-text:latest',
      taskModel: 'qwen2.5:7b',
      chatModel: 'qwen2.5:7b',
      contextLength: 32768,
      extraModels: [{ name: 'gpt-5-mini', canChat: true, canPrompt: true }],
    }
    const first = await adminJson('POST', '/setup/bootstrap', body)
    expect(first.status).toBe(200)
    const after = await rows()
    expect(after.models).toEqual([
      {
        id: '347c1649-1179-5149-bd46-88e78103e316',
        model: 'gpt-5-mini',
        contextLength: 0,
        canChat: true,
        canEmbed: false,
        canPrompt: true,
        canStream: false,
      },
      {
        id: '0f345aa4-5df3-59c2-b378-8c5b48615bb3',
        model: 'nomic-embed-text:latest',
        contextLength: 32768,
        canChat: false,
        canEmbed: true,
        canPrompt: false,
        canStream: false,
      },
      {
        id: '2283c759-c373-56e6-8559-e7bfed0a450c',
        model: 'qwen2.5:7b',
        contextLength: 32768,
        canChat: true,
        canEmbed: false,
        canPrompt: true,
        canStream: false,
      },
    ])
    expect(after.groups).toEqual([
      { id: 'internal_chat_group', name: 'Chat', purposeType: 'Internal Chat' },
      { id: 'internal_embed_group', name: 'Embedder', purposeType: 'Internal Embeddings' },
      { id: 'internal_tasks_group', name: 'Tasks', purposeType: 'Internal Tasks' },
    ])
    expect(after.memberships).toEqual([
      { groupId: 'internal_chat_group', modelId: '2283c759-c373-56e6-8559-e7bfed0a450c' },
      { groupId: 'internal_embed_group', modelId: '0f345aa4-5df3-59c2-b378-8c5b48615bb3' },
      { groupId: 'internal_tasks_group', modelId: '2283c759-c373-56e6-8559-e7bfed0a450c' },
    ])

    expect((await adminJson('POST', '/setup/bootstrap', body)).status).toBe(200)
    expect(await rows()).toEqual(after)
  })

  it('adds a capability to an existing model but keeps its id and context length', async () => {
    await withDb((db) =>
      db.insert(declaredModels).values({ id: 'mine', model: 'qwen2.5:7b', canChat: true, contextLength: 4096 }),
    )
    const response = await adminJson('POST', '/setup/bootstrap', {
      tenantId: LOCAL_TENANT,
      embedModel: 'qwen2.5:7b',
      contextLength: 999,
    })
    expect(response.status).toBe(200)
    expect((await rows()).models).toEqual([
      {
        id: 'mine',
        model: 'qwen2.5:7b',
        contextLength: 4096,
        canChat: true,
        canEmbed: true,
        canPrompt: false,
        canStream: false,
      },
    ])
  })

  it.each([
    [{ tenantId: 'tenant-1', chatModel: 'm' }, 'invalid tenant_id: invalid UUID format "tenant-1"', 'tenantId'],
    [{ tenantId: LOCAL_TENANT, chatModel: '' }, 'chatModel: init chat model: model name cannot be empty', 'chatModel'],
    [
      { tenantId: LOCAL_TENANT, extraModels: [{ name: ' ', canChat: true }] },
      'extra_models entry has empty name',
      'extraModels.0.name',
    ],
    [{ tenantId: LOCAL_TENANT }, 'nothing to bootstrap', 'embedModel'],
    [
      { tenantId: LOCAL_TENANT, embedModel: 'e'.repeat(513) },
      'embedModel: init embed model: model name must be at most 512 characters',
      'embedModel',
    ],
    [
      { tenantId: LOCAL_TENANT, taskModel: 't'.repeat(513) },
      'taskModel: init task model: model name must be at most 512 characters',
      'taskModel',
    ],
    [
      { tenantId: LOCAL_TENANT, chatModel: 'c'.repeat(513) },
      'chatModel: init chat model: model name must be at most 512 characters',
      'chatModel',
    ],
    [
      { tenantId: LOCAL_TENANT, extraModels: [{ name: 'x'.repeat(513), canChat: true }] },
      'extra_models entry name must be at most 512 characters',
      'extraModels.0.name',
    ],
    [
      { tenantId: LOCAL_TENANT, chatModel: 'm', contextLength: 2_147_483_648 },
      'contextLength: contextLength must be at most 2147483647',
      'contextLength',
    ],
    [
      { tenantId: LOCAL_TENANT, extraModels: [{ name: 'x', canChat: true, contextLength: 2_147_483_648 }] },
      'extraModels.0.contextLength: contextLength must be at most 2147483647',
      'extraModels.0.contextLength',
    ],
  ])('rejects %j with 422 and writes nothing', async (body, message, param) => {
    const response = await adminJson('POST', '/setup/bootstrap', body)
    expect(response.status).toBe(422)
    const { error } = await response.json<{ error: { message: string; param: string } }>()
    expect(error.message).toContain(message)
    expect(error.param).toBe(param)
    expect(await rows()).toEqual({ models: [], groups: [], memberships: [] })
  })

  it('answers 409 when a well-known group name is taken, and rolls everything back', async () => {
    await withDb((db) => db.insert(groups).values({ id: 'someone-else', name: 'Chat', purposeType: 'x' }))
    const response = await adminJson('POST', '/setup/bootstrap', {
      tenantId: LOCAL_TENANT,
      embedModel: 'nomic-embed-text:latest',
      chatModel: 'qwen2.5:7b',
    })
    expect(response.status).toBe(409)
    expect((await response.json<{ error: { message: string } }>()).error.message).toBe(
      'init chat group: group name "Chat" is already used by group someone-else',
    )
    const after = await rows()
    expect(after.models).toEqual([])
    expect(after.groups.map((g) => g.id)).toEqual(['someone-else'])
    expect(
      await withDb(async (db) => (await db.execute(sql`select count(*)::int as n from group_models`)).rows[0]!.n),
    ).toBe(0)
  })
})
