import { and, eq, isNull, sql } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import type { Database } from './client'
import type { CapabilityOverride } from './declared'
import { capabilityOverrides } from './schema'

/** What a PUT changes: an absent flag is kept, `null` clears it, a boolean sets it. */
export interface OverridePatch {
  canThink?: boolean | null
  canVision?: boolean | null
}

const columns = {
  provider: capabilityOverrides.provider,
  model: capabilityOverrides.model,
  canThink: capabilityOverrides.canThink,
  canVision: capabilityOverrides.canVision,
}

/** Every override, by provider then model (code-point order, whatever the database collation). */
export async function listOverrides(db: Database): Promise<CapabilityOverride[]> {
  return db
    .select(columns)
    .from(capabilityOverrides)
    .orderBy(sql`${capabilityOverrides.provider} collate "C"`, sql`${capabilityOverrides.model} collate "C"`)
}

/**
 * Merges `patch` into the stored record (setting think keeps vision and vice
 * versa) in one upsert; a record left with neither flag is deleted. Returns the merged flags.
 */
export async function setOverride(
  db: Database,
  key: { provider: string; model: string },
  patch: OverridePatch,
): Promise<CapabilityOverride> {
  // A given flag takes the new value; an absent one keeps the stored value.
  const merge = (column: AnyPgColumn, given: boolean) => (given ? sql.raw(`excluded.${column.name}`) : sql`${column}`)
  const [row] = await db
    .insert(capabilityOverrides)
    .values({ ...key, canThink: patch.canThink ?? null, canVision: patch.canVision ?? null })
    .onConflictDoUpdate({
      target: [capabilityOverrides.provider, capabilityOverrides.model],
      set: {
        canThink: merge(capabilityOverrides.canThink, patch.canThink !== undefined),
        canVision: merge(capabilityOverrides.canVision, patch.canVision !== undefined),
        updatedAt: new Date(),
      },
    })
    .returning(columns)
  const merged = row!
  if (merged.canThink === null && merged.canVision === null) {
    // Only while it is still empty: a concurrent PUT that set a flag meanwhile wins.
    await db
      .delete(capabilityOverrides)
      .where(
        and(
          eq(capabilityOverrides.provider, key.provider),
          eq(capabilityOverrides.model, key.model),
          isNull(capabilityOverrides.canThink),
          isNull(capabilityOverrides.canVision),
        ),
      )
  }
  return merged
}

export async function deleteOverride(db: Database, key: { provider: string; model: string }): Promise<boolean> {
  const rows = await db
    .delete(capabilityOverrides)
    .where(and(eq(capabilityOverrides.provider, key.provider), eq(capabilityOverrides.model, key.model)))
    .returning({ provider: capabilityOverrides.provider })
  return rows.length > 0
}
