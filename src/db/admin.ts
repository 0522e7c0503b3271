import { and, count, desc, eq, ne, sql } from 'drizzle-orm'
import type { Database } from './client'
import type { BackendRecord } from '../published/types'
import { originOf } from '../hosts'
import { backendRecord } from './records'
import { backends, providerConfigs } from './schema'

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

/**
 * Stores a scope's credential in one statement. A literal key clears the env name and vice versa:
 * a config holds one source, and its host binding is replaced with it. Without `replace`, an
 * existing config is left alone and the answer is undefined, so two concurrent first configures
 * give one success and one conflict rather than the second silently overwriting the first.
 */
export async function upsertProviderConfig(
  db: Database,
  config: {
    type: string
    backendId: string | null
    apiKeyCiphertext: string | null
    apiKeyEnv: string | null
    hosts: string[] | null
  },
  options: { replace: boolean },
) {
  const insert = db.insert(providerConfigs).values({ scope: configScope(config.type, config.backendId), ...config })
  const [row] = options.replace
    ? await insert
        .onConflictDoUpdate({
          target: providerConfigs.scope,
          set: {
            apiKeyCiphertext: config.apiKeyCiphertext,
            apiKeyEnv: config.apiKeyEnv,
            hosts: config.hosts,
            updatedAt: new Date(),
          },
        })
        .returning()
    : await insert.onConflictDoNothing({ target: providerConfigs.scope }).returning()
  return row
}

/**
 * Replaces a backend's name, type and base URL; `createdAt` is kept, `updatedAt` becomes now. A
 * credential stored for this one backend no longer applies once its type changes, nor once it
 * points at another host (the credential is bound to the host it was configured for), so it
 * goes in the same transaction.
 */
export async function updateBackend(
  db: Database,
  id: string,
  input: { name: string; type: string; baseUrl: string },
): Promise<BackendRecord | undefined> {
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select({ baseUrl: backends.baseUrl })
      .from(backends)
      .where(eq(backends.id, id))
      .for('update')
    if (!before) return undefined
    const [row] = await tx
      .update(backends)
      .set({ ...input, updatedAt: new Date() })
      .where(eq(backends.id, id))
      .returning()
    if (!row) return undefined
    // A change of scheme counts as a move too: the key must not follow a backend from https to http.
    const moved = originOf(before.baseUrl) !== originOf(input.baseUrl)
    await tx
      .delete(providerConfigs)
      .where(and(eq(providerConfigs.backendId, id), moved ? undefined : ne(providerConfigs.type, input.type)))
    return backendRecord(row)
  })
}

export async function deleteProviderConfig(db: Database, scope: string): Promise<boolean> {
  const rows = await db
    .delete(providerConfigs)
    .where(eq(providerConfigs.scope, scope))
    .returning({ scope: providerConfigs.scope })
  return rows.length > 0
}

/**
 * Every stored provider config, type-wide ones before their per-backend ones, each with its
 * backend's base URL when it has one (a per-backend config without stored hosts is bound to it).
 */
export async function listProviderConfigs(db: Database) {
  const rows = await db
    .select({ config: providerConfigs, backendBaseUrl: backends.baseUrl })
    .from(providerConfigs)
    .leftJoin(backends, eq(backends.id, providerConfigs.backendId))
    .orderBy(sql`${providerConfigs.type} collate "C"`, sql`${providerConfigs.backendId} collate "C" nulls first`)
  return rows.map(({ config, backendBaseUrl }) => ({ ...config, backendBaseUrl }))
}

/** How many backends each type has declared; types with none are absent. */
export async function backendCountsByType(db: Database, type?: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ type: backends.type, count: count() })
    .from(backends)
    .where(type === undefined ? undefined : eq(backends.type, type))
    .groupBy(backends.type)
  return new Map(rows.map((r) => [r.type, r.count]))
}
