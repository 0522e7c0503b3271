import { adapters } from '../providers'
import { splitCatalogId } from './match'

/**
 * The catalog providers worth keeping: those the backend types map to, and any a declared model's
 * `catalogId` names (a self-hosted model's entry may live under any provider). Sorted.
 */
export function wantedCatalogProviders(declared: readonly { catalogId: string | null }[]): string[] {
  const wanted = new Set<string>(Object.values(adapters).flatMap((a) => a.catalog?.providers ?? []))
  for (const { catalogId } of declared) {
    const named = catalogId ? splitCatalogId(catalogId) : undefined
    if (named) wanted.add(named.provider)
  }
  return [...wanted].sort()
}

/**
 * KV operations a refresh is held for: the meta read, a put per provider changed, the meta
 * written (twice, if storing fails after it), and the stored catalog's bulk get. Deleting
 * providers no longer wanted (rare: a catalogId taken away) is not held for; the budget still
 * bounds it, and a refresh it stops is a failed refresh.
 */
export function catalogKvOps(providers: number): number {
  return 4 + providers
}

/** The catalog's fetch: one subrequest. */
export const CATALOG_SUBREQUESTS = 1
