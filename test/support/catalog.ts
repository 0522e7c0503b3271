import catalogJson from '../../fixtures/catalog/models-dev-api.json'
import { adapters } from '../../src/providers'
import type { LoadedCatalog } from '../../src/catalog/match'
import { parseCatalog } from '../../src/catalog/models-dev'

/** The recorded models.dev extract (fixtures/catalog/), parsed as a refresh parses it, dated `date`. */
export function fixtureCatalog(date = '2026-07-01T16:40:28.000Z'): LoadedCatalog {
  const wanted = [...new Set(Object.values(adapters).flatMap((a) => a.catalog?.providers ?? []))]
  return { providers: new Map(parseCatalog(catalogJson, wanted).map((p) => [p.id, { models: p.models, date }])) }
}
