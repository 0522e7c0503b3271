import { FACT_SOURCES, type BackendStatus } from '../published/types'
import { type FleetRow, factsOf } from '../views/fleet'
import type { Fact, ShownFacts } from '../views/fleet-facts'

/** A model id across the fleet: who serves it and what it can do on any of them. */
export interface CatalogModel {
  id: string
  /** Badge bits OR-ed over its backends (see BADGE_CAPABILITIES in views/fleet.ts). */
  capabilities: number
  /**
   * Each fact at its best on any of its backends: the largest context and output, the lowest
   * prices, a capability any of them has; a known value before an unknown one, and between equal
   * values the higher-ranked source (FACT_SOURCES order).
   */
  facts: ShownFacts
  backends: { id: string; name: string; status: BackendStatus; stale: boolean }[]
}

const rank = (fact: Fact<unknown>) => FACT_SOURCES.indexOf(fact.source)

/** The better of two facts: `order` < 0 when its first value is the better one. */
function better<T>(a: Fact<T>, b: Fact<T>, order: (x: T, y: T) => number): Fact<T> {
  if (a.value === null) return b
  if (b.value === null) return a
  const byValue = order(a.value, b.value)
  if (byValue !== 0) return byValue < 0 ? a : b
  return rank(b) < rank(a) ? b : a
}

const larger = (x: number, y: number) => y - x
const lower = (x: number, y: number) => x - y
const yesFirst = (x: boolean, y: boolean) => Number(y) - Number(x)

/** What a model can do on either of two backends (see CatalogModel.facts). */
export function bestFacts(a: ShownFacts, b: ShownFacts): ShownFacts {
  const modalities = a.inputModalities === null && b.inputModalities === null
  return {
    context: better(a.context, b.context, larger),
    output: better(a.output, b.output, larger),
    inputPrice: better(a.inputPrice, b.inputPrice, lower),
    outputPrice: better(a.outputPrice, b.outputPrice, lower),
    tools: better(a.tools, b.tools, yesFirst),
    vision: better(a.vision, b.vision, yesFirst),
    reasoning: better(a.reasoning, b.reasoning, yesFirst),
    inputModalities: modalities ? null : [...new Set([...(a.inputModalities ?? []), ...(b.inputModalities ?? [])])],
  }
}

/** Every model id the fleet lists, sorted by id, its backends in fleet order. */
export function catalog(rows: readonly FleetRow[]): CatalogModel[] {
  const byId = new Map<string, CatalogModel>()
  for (const row of rows) {
    for (const model of row.models) {
      const [id, capabilities, , stale] = model
      const facts = factsOf(model)
      const seen = byId.get(id)
      const merged: CatalogModel = seen
        ? { ...seen, capabilities: seen.capabilities | capabilities, facts: bestFacts(seen.facts, facts) }
        : { id, capabilities, facts, backends: [] }
      merged.backends.push({ id: row.id, name: row.name, status: row.status, stale: stale === 1 })
      byId.set(id, merged)
    }
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** Models whose id holds `query` (any case). */
export function searchCatalog(models: readonly CatalogModel[], query: string): CatalogModel[] {
  const needle = query.trim().toLowerCase()
  return needle === '' ? [...models] : models.filter((m) => m.id.toLowerCase().includes(needle))
}
