import { canonicalBackendType } from '../providers'
import type { BackendRuntimeState } from '../published/types'

/**
 * How many of the published models matched a catalog entry, per backend type: written beside the
 * snapshot when its content changes, and read by GET /catalog/status.
 */
export const CATALOG_MATCHES_KEY = 'catalog:matches'

export interface CatalogMatches {
  /** The snapshot content these counts are of. */
  contentHash: string
  types: { type: string; models: number; matched: number }[]
}

export function catalogMatches(backends: readonly BackendRuntimeState[], contentHash: string): CatalogMatches {
  const byType = new Map<string, { models: number; matched: number }>()
  for (const state of backends) {
    const type = canonicalBackendType(state.backend.type)
    const counts = byType.get(type) ?? { models: 0, matched: 0 }
    for (const model of state.pulledModels) {
      counts.models++
      if (model.catalog) counts.matched++
    }
    byType.set(type, counts)
  }
  const types = [...byType].map(([type, counts]) => ({ type, ...counts }))
  return { contentHash, types: types.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0)) }
}
