import type { ModelsDevModel, CatalogProvider } from './models-dev'
import { EMPTY_CATALOG, type LoadedCatalog } from './match'

/**
 * The catalog in KV: one value per provider (its models and the date they last changed) and a
 * meta that says where it came from and how the last refresh went. Read by the publish step in a
 * bulk get (one KV operation), and the meta by /catalog/status and /metrics.
 */
export const CATALOG_META_KEY = 'catalog:meta'
export const catalogProviderKey = (id: string) => `catalog:provider:${id}`

export interface CatalogMeta {
  source: string
  /** The source's ETag for what is stored, sent as If-None-Match. */
  etag: string | null
  /** The last refresh attempt. */
  checkedAt: string
  /** When the source last gave (200) or confirmed (304) what is stored: the catalog's age counts from it. */
  confirmedAt: string | null
  /** Why the last attempt failed; null once one succeeds. */
  error: string | null
  /** The providers the fetch that stored them asked for (a wanted provider the source lacks is not stored). */
  asked: string[]
  /** The providers stored, with how many models each has, the hash of its models and when they last changed. */
  providers: Record<string, { models: number; hash: string; date: string }>
}

export interface StoredProvider {
  id: string
  source: string
  /** When its models last changed, as this service saw them. */
  date: string
  models: Record<string, ModelsDevModel>
}

/**
 * The catalog's source as it is stored and shown: its origin and path. A query string (a mirror's
 * token, say) is sent, never stored, logged or answered.
 */
export function catalogSource(url: string): string {
  const parsed = new URL(url)
  return `${parsed.origin}${parsed.pathname}`
}

export async function readCatalogMeta(kv: KVNamespace): Promise<CatalogMeta | null> {
  return kv.get<CatalogMeta>(CATALOG_META_KEY, 'json')
}

/** The stored providers of `meta`, in one bulk get; a value KV cannot give back yet is left out. */
export async function loadStoredCatalog(kv: KVNamespace, meta: CatalogMeta | null): Promise<LoadedCatalog> {
  const ids = Object.keys(meta?.providers ?? {})
  if (ids.length === 0) return EMPTY_CATALOG
  const values = await kv.get<StoredProvider>(ids.map(catalogProviderKey), 'json')
  const providers = new Map<string, { models: Record<string, ModelsDevModel>; date: string }>()
  for (const id of ids) {
    const stored = values.get(catalogProviderKey(id))
    if (stored) providers.set(id, { models: stored.models, date: stored.date })
  }
  return { providers }
}

/** Parsed providers as the publish step reads them, dated as `meta` records them. */
export function loadedFrom(parsed: readonly CatalogProvider[], meta: CatalogMeta): LoadedCatalog {
  return {
    providers: new Map(parsed.map((p) => [p.id, { models: p.models, date: meta.providers[p.id]!.date }])),
  }
}
