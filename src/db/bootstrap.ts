import { eq } from 'drizzle-orm'
import { v5 as uuidv5 } from 'uuid'
import type { Database } from './client'
import { declaredModels, groupModels, groups } from './schema'

/** The Go service's well-known groups, by name, so its clients find them. */
export const WELL_KNOWN_GROUPS = {
  embed: { id: 'internal_embed_group', name: 'Embedder', purposeType: 'Internal Embeddings' },
  task: { id: 'internal_tasks_group', name: 'Tasks', purposeType: 'Internal Tasks' },
  chat: { id: 'internal_chat_group', name: 'Chat', purposeType: 'Internal Chat' },
} as const

type Flag = 'canEmbed' | 'canPrompt' | 'canChat'
type Db = Database | Parameters<Parameters<Database['transaction']>[0]>[0]

export interface ModelSpec {
  name: string
  contextLength: number
  canChat: boolean
  canPrompt: boolean
  canEmbed: boolean
}

export interface BootstrapInput {
  tenantId: string
  embedModel?: string
  taskModel?: string
  chatModel?: string
  contextLength: number
  extraModels: ModelSpec[]
}

export class BootstrapError extends Error {
  constructor(
    message: string,
    readonly conflict = false,
  ) {
    super(message)
    this.name = 'BootstrapError'
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The tenant UUID as namespace bytes. Any 8-4-4-4-12 hex string is accepted, as Go's uuid.Parse
 * does (the local tenant 00000000-…-000000000001 has no version nibble).
 */
export function tenantNamespace(tenantId: string): Uint8Array {
  if (!UUID.test(tenantId)) throw new BootstrapError(`invalid tenant_id: invalid UUID format "${tenantId}"`)
  return Uint8Array.from(tenantId.replace(/-/g, '').match(/../g)!, (hex) => parseInt(hex, 16))
}

/** A declared model's id: UUIDv5 of its name in the tenant's namespace, so every deployment derives the same id. */
export function modelId(tenantId: string, name: string): string {
  return uuidv5(name, tenantNamespace(tenantId))
}

/**
 * The Go service's InitEmbeder, InitPromptExec, InitChatExec and EnsureModels in one transaction:
 * all of it is written, or none of it. Idempotent: a second run changes nothing.
 */
export async function bootstrap(db: Database, input: BootstrapInput) {
  tenantNamespace(input.tenantId)
  return db.transaction(async (tx) => {
    const touched = new Set<string>()
    const roles = [
      ['embed', input.embedModel, 'canEmbed'],
      ['task', input.taskModel, 'canPrompt'],
      ['chat', input.chatModel, 'canChat'],
    ] as const
    for (const [role, name, flag] of roles) {
      if (name === undefined) continue
      const group = WELL_KNOWN_GROUPS[role]
      await step(`init ${role} group`, () => ensureGroup(tx, group))
      const id = await step(`init ${role} model`, () =>
        initOrUpdateModel(tx, input.tenantId, name, input.contextLength, flag),
      )
      await step(`assign ${role} model to group`, () =>
        tx.insert(groupModels).values({ groupId: group.id, modelId: id }).onConflictDoNothing(),
      )
      touched.add(id)
    }
    for (const spec of input.extraModels) {
      for (const flag of ['canEmbed', 'canPrompt', 'canChat'] as const) {
        if (!spec[flag]) continue
        touched.add(
          await step(`extra model ${spec.name}`, () =>
            initOrUpdateModel(tx, input.tenantId, spec.name, spec.contextLength, flag),
          ),
        )
      }
    }
    const models = []
    for (const id of touched) models.push(...(await tx.select().from(declaredModels).where(eq(declaredModels.id, id))))
    const memberships = await tx.select().from(groupModels)
    return {
      groups: Object.values(WELL_KNOWN_GROUPS)
        .filter((g) => roles.some(([role, name]) => name !== undefined && WELL_KNOWN_GROUPS[role].id === g.id))
        .map((g) => ({
          ...g,
          modelIds: memberships
            .filter((m) => m.groupId === g.id)
            .map((m) => m.modelId)
            .sort(),
        })),
      models: models.map(({ createdAt: _c, updatedAt: _u, ...model }) => model),
    }
  })
}

async function step<T>(label: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof BootstrapError) throw new BootstrapError(`${label}: ${error.message}`, error.conflict)
    throw error
  }
}

async function ensureGroup(db: Db, group: (typeof WELL_KNOWN_GROUPS)[keyof typeof WELL_KNOWN_GROUPS]) {
  const [byId] = await db.select().from(groups).where(eq(groups.id, group.id))
  if (byId) return
  const [byName] = await db.select().from(groups).where(eq(groups.name, group.name))
  if (byName) throw new BootstrapError(`group name "${group.name}" is already used by group ${byName.id}`, true)
  await db.insert(groups).values(group)
}

/** Creates the model with one capability, or adds that capability; never changes its context or id. */
async function initOrUpdateModel(db: Db, tenantId: string, name: string, contextLength: number, flag: Flag) {
  if (!name.trim()) throw new BootstrapError('model name cannot be empty')
  const [existing] = await db.select().from(declaredModels).where(eq(declaredModels.model, name))
  if (!existing) {
    const id = modelId(tenantId, name)
    await db.insert(declaredModels).values({ id, model: name, contextLength, [flag]: true })
    return id
  }
  if (!existing[flag]) {
    await db
      .update(declaredModels)
      .set({ [flag]: true, updatedAt: new Date() })
      .where(eq(declaredModels.id, existing.id))
  }
  return existing.id
}
