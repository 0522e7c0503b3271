import { canonicalBackendType } from '../published/backend-type'
import type { BackendRuntimeState, CatalogMatchCount } from '../published/types'

/**
 * How many of the published models matched a catalog entry, per backend type, in code-point order
 * of the type: kept in the snapshot meta, so GET /catalog/status reads it with the version it counts.
 */
export function catalogMatches(backends: readonly BackendRuntimeState[]): CatalogMatchCount[] {
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
  return types.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
}
