import { asc, eq } from 'drizzle-orm'
import type { Database } from './client'
import type { DeclaredModel } from './declared'
import { declaredModelRecord } from './records'
import { declaredModels, groupModels } from './schema'

/** What an operator sends to declare a model (validated by the route). */
export type DeclaredModelInput = Omit<DeclaredModel, 'id' | 'createdAt' | 'updatedAt'>

/** Inserts the model under the given id; a taken name (or id) is a unique violation. */
export async function createDeclaredModel(db: Database, id: string, input: DeclaredModelInput): Promise<DeclaredModel> {
  const [row] = await db
    .insert(declaredModels)
    .values({ id, ...input })
    .returning()
  return declaredModelRecord(row!)
}

export async function listDeclaredModels(db: Database): Promise<DeclaredModel[]> {
  const rows = await db.select().from(declaredModels).orderBy(asc(declaredModels.model), asc(declaredModels.id))
  return rows.map(declaredModelRecord)
}

export async function getDeclaredModel(db: Database, id: string): Promise<DeclaredModel | undefined> {
  const [row] = await db.select().from(declaredModels).where(eq(declaredModels.id, id))
  return row && declaredModelRecord(row)
}

/**
 * Replaces a model's name, flags and context length. A rename moves the model to `renamedId`
 * (the id its new name derives), carrying its creation time and group memberships along, all in
 * one transaction; `undefined` when no model has `id`. A taken name is a unique violation.
 */
export async function updateDeclaredModel(
  db: Database,
  id: string,
  input: DeclaredModelInput,
  renamedId: (model: string) => string,
): Promise<DeclaredModel | undefined> {
  return db.transaction(async (tx) => {
    const [existing] = await tx.select().from(declaredModels).where(eq(declaredModels.id, id)).for('update')
    if (!existing) return undefined
    const updatedAt = new Date()
    if (existing.model === input.model) {
      const [row] = await tx
        .update(declaredModels)
        .set({ ...input, updatedAt })
        .where(eq(declaredModels.id, id))
        .returning()
      return declaredModelRecord(row!)
    }
    const newId = renamedId(input.model)
    const [row] = await tx
      .insert(declaredModels)
      .values({ id: newId, ...input, createdAt: existing.createdAt, updatedAt })
      .returning()
    await tx.update(groupModels).set({ modelId: newId, updatedAt }).where(eq(groupModels.modelId, id))
    await tx.delete(declaredModels).where(eq(declaredModels.id, id))
    return declaredModelRecord(row!)
  })
}

/** Deletes the model; its group memberships go with it (FK cascade). */
export async function deleteDeclaredModel(db: Database, id: string): Promise<boolean> {
  const rows = await db.delete(declaredModels).where(eq(declaredModels.id, id)).returning({ id: declaredModels.id })
  return rows.length > 0
}
