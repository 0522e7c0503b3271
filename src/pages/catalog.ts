import type { BackendStatus } from '../published/types'
import type { FleetRow } from '../views/fleet'

/** A model id across the fleet: who serves it and what it can do on any of them. */
export interface CatalogModel {
  id: string
  /** Capability bits OR-ed over its backends (see CAPABILITIES). */
  capabilities: number
  /** The largest context any of them reports; 0 when none does. */
  contextLength: number
  backends: { id: string; name: string; status: BackendStatus; stale: boolean }[]
}

/** Every model id the fleet lists, sorted by id, its backends in fleet order. */
export function catalog(rows: readonly FleetRow[]): CatalogModel[] {
  const byId = new Map<string, CatalogModel>()
  for (const row of rows) {
    for (const [id, capabilities, contextLength, stale] of row.models) {
      let model = byId.get(id)
      if (!model) byId.set(id, (model = { id, capabilities: 0, contextLength: 0, backends: [] }))
      model.capabilities |= capabilities
      model.contextLength = Math.max(model.contextLength, contextLength)
      model.backends.push({ id: row.id, name: row.name, status: row.status, stale: stale === 1 })
    }
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** Models whose id holds `query` (any case). */
export function searchCatalog(models: readonly CatalogModel[], query: string): CatalogModel[] {
  const needle = query.trim().toLowerCase()
  return needle === '' ? [...models] : models.filter((m) => m.id.toLowerCase().includes(needle))
}
