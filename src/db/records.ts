import { type Table, getTableColumns } from 'drizzle-orm'
import type { BackendRecord } from '../published/types'
import { publishableBaseUrl } from '../secrets'
import type { DeclaredModel } from './declared'
import type { backends, declaredModels } from './schema'

/**
 * Rows as the API and the cycle speak them, one mapper a table, whether the row came from a
 * query of its own or from the declared state's one statement (see `rowFromJson`).
 */

/**
 * A row as `json_agg` renders it (column names, timestamps as text) read as drizzle reads the
 * table's own rows: `created_at: "…28.3+00:00"` becomes `createdAt: Date`.
 */
export function rowFromJson<T extends Table>(table: T, json: Record<string, unknown>): T['$inferSelect'] {
  const row: Record<string, unknown> = {}
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = json[column.name]
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value)
  }
  return row
}

export function backendRecord(row: typeof backends.$inferSelect): BackendRecord {
  return {
    id: row.id,
    name: row.name,
    // As published: one stored with a query string (it may hold a key) is returned without it.
    baseUrl: publishableBaseUrl(row.baseUrl),
    type: row.type,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

export function declaredModelRecord(row: typeof declaredModels.$inferSelect): DeclaredModel {
  return {
    id: row.id,
    model: row.model,
    contextLength: row.contextLength,
    catalogId: row.catalogId,
    canChat: row.canChat,
    canEmbed: row.canEmbed,
    canPrompt: row.canPrompt,
    canStream: row.canStream,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}
