import type { CatalogMapping } from '../providers/types'
import type { ModelsDevModel } from './models-dev'

/** The catalog as the publish step reads it: per provider its models and the date they are from. */
export interface LoadedCatalog {
  providers: ReadonlyMap<string, { models: Readonly<Record<string, ModelsDevModel>>; date: string }>
}

export const EMPTY_CATALOG: LoadedCatalog = { providers: new Map() }

export interface CatalogMatch {
  /** `provider/model`, as a declared `catalogId` names it. */
  id: string
  model: ModelsDevModel
  date: string
}

/**
 * The catalog entry for a listed model, by exact id only: a declared `catalogId`
 * (`provider/model`) when there is one, else the type's providers in order with each id its
 * mapping lists. Undefined when nothing matches exactly; never a nearest name.
 */
export function matchCatalog(
  catalog: LoadedCatalog,
  mapping: CatalogMapping | undefined,
  modelId: string,
  catalogId?: string,
): CatalogMatch | undefined {
  if (catalogId) {
    const named = splitCatalogId(catalogId)
    return named && lookup(catalog, named.provider, named.model)
  }
  if (!mapping) return undefined
  const ids = mapping.candidateIds ? mapping.candidateIds(modelId) : [modelId]
  for (const id of ids) {
    for (const provider of mapping.providers) {
      const found = lookup(catalog, provider, id)
      if (found) return found
    }
  }
  return undefined
}

function lookup(catalog: LoadedCatalog, provider: string, id: string): CatalogMatch | undefined {
  const entries = catalog.providers.get(provider)
  const model = entries && Object.hasOwn(entries.models, id) ? entries.models[id] : undefined
  return model ? { id: `${provider}/${id}`, model, date: entries!.date } : undefined
}

/** A `catalogId`'s catalog provider and its model id there (which may hold `/` itself). */
export function splitCatalogId(catalogId: string): { provider: string; model: string } | undefined {
  const slash = catalogId.indexOf('/')
  if (slash <= 0 || slash === catalogId.length - 1) return undefined
  return { provider: catalogId.slice(0, slash), model: catalogId.slice(slash + 1) }
}

/** A `catalogId` as declared models take it: `provider/model`, both parts non-empty. */
export function catalogIdProblem(catalogId: string): string | undefined {
  return splitCatalogId(catalogId)
    ? undefined
    : 'catalogId must name a catalog provider and model as provider/model, e.g. openai/gpt-4o'
}
