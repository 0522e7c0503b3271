import { adapters } from '../providers'

/**
 * The catalog providers worth keeping: those the backend types map to, and any a declared model's
 * `catalogId` names (a self-hosted model's entry may live under any provider). Sorted.
 */
export function wantedCatalogProviders(declared: readonly { catalogId: string | null }[]): string[] {
  const wanted = new Set<string>(Object.values(adapters).flatMap((a) => a.catalog?.providers ?? []))
  for (const { catalogId } of declared) {
    const slash = catalogId?.indexOf('/') ?? -1
    if (slash > 0) wanted.add(catalogId!.slice(0, slash))
  }
  return [...wanted].sort()
}

/**
 * KV operations a refresh may take: the meta read, a put per provider changed and a delete per
 * provider gone, the meta written, and the stored catalog's bulk get.
 */
export function catalogKvOps(providers: number): number {
  return 3 + 2 * providers
}
