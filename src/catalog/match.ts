import type { CatalogMapping } from '../providers/types'
import type { CatalogModel } from './models-dev'

/** The catalog as the publish step reads it: per provider its models and the date they are from. */
export interface LoadedCatalog {
  providers: ReadonlyMap<string, { models: Readonly<Record<string, CatalogModel>>; date: string }>
}

export const EMPTY_CATALOG: LoadedCatalog = { providers: new Map() }

export interface CatalogMatch {
  /** `provider/model`, as a declared `catalogId` names it. */
  id: string
  model: CatalogModel
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
    const slash = catalogId.indexOf('/')
    return slash > 0 ? lookup(catalog, catalogId.slice(0, slash), catalogId.slice(slash + 1)) : undefined
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

/** A `catalogId` as declared models take it: `provider/model`, both parts non-empty. */
export function catalogIdProblem(catalogId: string): string | undefined {
  const slash = catalogId.indexOf('/')
  if (slash <= 0 || slash === catalogId.length - 1) {
    return 'catalogId must name a catalog provider and model as provider/model, e.g. openai/gpt-4o'
  }
  return undefined
}
