import { desc, eq } from 'drizzle-orm'
import type { Database } from './client'
import type { BackendRecord } from './declared'
import { backends, providerConfigs } from './schema'

function backendRecord(row: typeof backends.$inferSelect): BackendRecord {
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.baseUrl,
    type: row.type,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

export async function createBackend(
  db: Database,
  input: { name: string; type: string; baseUrl: string },
): Promise<BackendRecord> {
  const [row] = await db
    .insert(backends)
    .values({ id: crypto.randomUUID(), ...input })
    .returning()
  return backendRecord(row!)
}

export async function listBackends(db: Database): Promise<BackendRecord[]> {
  const rows = await db.select().from(backends).orderBy(desc(backends.createdAt), desc(backends.id))
  return rows.map(backendRecord)
}

export async function deleteBackend(db: Database, id: string): Promise<boolean> {
  const rows = await db.delete(backends).where(eq(backends.id, id)).returning({ id: backends.id })
  return rows.length > 0
}

export async function getBackend(db: Database, id: string): Promise<BackendRecord | undefined> {
  const [row] = await db.select().from(backends).where(eq(backends.id, id))
  return row && backendRecord(row)
}

/** The key a provider config is stored under: the type, or the type and one backend. */
export function configScope(type: string, backendId?: string | null): string {
  return backendId ? `${type}:${backendId}` : type
}

export async function getProviderConfig(db: Database, scope: string) {
  const [row] = await db.select().from(providerConfigs).where(eq(providerConfigs.scope, scope))
  return row
}

/** A literal key clears the env name and vice versa: a config holds one source. */
export async function upsertProviderConfig(
  db: Database,
  config: { type: string; backendId: string | null; apiKeyCiphertext: string | null; apiKeyEnv: string | null },
) {
  const [row] = await db
    .insert(providerConfigs)
    .values({ scope: configScope(config.type, config.backendId), ...config })
    .onConflictDoUpdate({
      target: providerConfigs.scope,
      set: { apiKeyCiphertext: config.apiKeyCiphertext, apiKeyEnv: config.apiKeyEnv, updatedAt: new Date() },
    })
    .returning()
  return row!
}
