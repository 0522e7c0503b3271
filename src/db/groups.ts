import { and, asc, eq, inArray } from 'drizzle-orm'
import type { Database } from './client'
import { foreignKeyViolation } from './errors'
import { backends, declaredModels, groupBackends, groupModels, groups } from './schema'

/** A group with the ids of its member backends and models (each sorted). */
export interface GroupWithMembers {
  id: string
  name: string
  purposeType: string
  backendIds: string[]
  modelIds: string[]
  createdAt: string
  updatedAt: string
}

export interface GroupInput {
  name: string
  purposeType: string
}

type GroupRow = typeof groups.$inferSelect

async function withMembers(db: Database, rows: GroupRow[]): Promise<GroupWithMembers[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const [memberBackends, memberModels] = await Promise.all([
    db
      .select({ groupId: groupBackends.groupId, id: groupBackends.backendId })
      .from(groupBackends)
      .where(inArray(groupBackends.groupId, ids))
      .orderBy(asc(groupBackends.backendId)),
    db
      .select({ groupId: groupModels.groupId, id: groupModels.modelId })
      .from(groupModels)
      .where(inArray(groupModels.groupId, ids))
      .orderBy(asc(groupModels.modelId)),
  ])
  const of = (members: { groupId: string; id: string }[], groupId: string) =>
    members.filter((m) => m.groupId === groupId).map((m) => m.id)
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    purposeType: row.purposeType,
    backendIds: of(memberBackends, row.id),
    modelIds: of(memberModels, row.id),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }))
}

/** A new group with a random id; a taken name is a unique violation. */
export async function createGroup(db: Database, input: GroupInput): Promise<GroupWithMembers> {
  const [row] = await db
    .insert(groups)
    .values({ id: crypto.randomUUID(), ...input })
    .returning()
  return (await withMembers(db, [row!]))[0]!
}

export async function listGroups(db: Database): Promise<GroupWithMembers[]> {
  return withMembers(db, await db.select().from(groups).orderBy(asc(groups.name), asc(groups.id)))
}

export async function getGroup(db: Database, id: string): Promise<GroupWithMembers | undefined> {
  const [row] = await db.select().from(groups).where(eq(groups.id, id))
  return row && (await withMembers(db, [row]))[0]
}

/** `undefined` when no group has `id`; a taken name is a unique violation. */
export async function updateGroup(db: Database, id: string, input: GroupInput): Promise<GroupWithMembers | undefined> {
  const [row] = await db
    .update(groups)
    .set({ ...input, updatedAt: new Date() })
    .where(eq(groups.id, id))
    .returning()
  return row && (await withMembers(db, [row]))[0]
}

/** Deletes the group; its memberships go with it (FK cascade). */
export async function deleteGroup(db: Database, id: string): Promise<boolean> {
  const rows = await db.delete(groups).where(eq(groups.id, id)).returning({ id: groups.id })
  return rows.length > 0
}

export type MemberKind = 'backend' | 'model'

/** What a membership change found missing, if anything. */
export type MembershipOutcome = 'ok' | 'group_missing' | 'member_missing' | 'not_a_member'

async function exists(db: Database, kind: 'group' | MemberKind, id: string): Promise<boolean> {
  const rows =
    kind === 'group'
      ? await db.select({ id: groups.id }).from(groups).where(eq(groups.id, id))
      : kind === 'backend'
        ? await db.select({ id: backends.id }).from(backends).where(eq(backends.id, id))
        : await db.select({ id: declaredModels.id }).from(declaredModels).where(eq(declaredModels.id, id))
  return rows.length > 0
}

async function missing(db: Database, kind: MemberKind, groupId: string, memberId: string) {
  if (!(await exists(db, 'group', groupId))) return 'group_missing' as const
  if (!(await exists(db, kind, memberId))) return 'member_missing' as const
  return undefined
}

/** Adds a backend or model to a group; adding it twice changes nothing. */
export async function addMember(
  db: Database,
  kind: MemberKind,
  groupId: string,
  memberId: string,
): Promise<MembershipOutcome> {
  const absent = await missing(db, kind, groupId, memberId)
  if (absent) return absent
  try {
    if (kind === 'backend') {
      await db.insert(groupBackends).values({ groupId, backendId: memberId }).onConflictDoNothing()
    } else {
      await db.insert(groupModels).values({ groupId, modelId: memberId }).onConflictDoNothing()
    }
  } catch (error) {
    // The group or the member was deleted between the check and the insert.
    if (foreignKeyViolation(error)) return (await missing(db, kind, groupId, memberId)) ?? 'group_missing'
    throw error
  }
  return 'ok'
}

/** Removes a backend or model from a group. */
export async function removeMember(
  db: Database,
  kind: MemberKind,
  groupId: string,
  memberId: string,
): Promise<MembershipOutcome> {
  const deleted =
    kind === 'backend'
      ? await db
          .delete(groupBackends)
          .where(and(eq(groupBackends.groupId, groupId), eq(groupBackends.backendId, memberId)))
          .returning({ groupId: groupBackends.groupId })
      : await db
          .delete(groupModels)
          .where(and(eq(groupModels.groupId, groupId), eq(groupModels.modelId, memberId)))
          .returning({ groupId: groupModels.groupId })
  if (deleted.length > 0) return 'ok'
  return (await missing(db, kind, groupId, memberId)) ?? 'not_a_member'
}
