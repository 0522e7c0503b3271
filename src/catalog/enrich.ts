import type { ModelCatalogFacts, ModelFacts } from '../published/types'
import type { CatalogMapping } from '../providers/types'
import { type Claims, flatFacts, mergeClaims, resolveFacts } from './claims'
import { listingClaims } from './listing-claims'
import { type LoadedCatalog, matchCatalog } from './match'
import { catalogClaims } from './models-dev'

/** A model as merged from its listing and declarations, with the claims gathered so far. */
export type ClaimedModel = ModelFacts & { name: string; model: string; claims?: Claims; catalogId?: string }

export type EnrichedModel<M extends ClaimedModel> = Omit<M, 'claims' | 'catalogId'> & ModelCatalogFacts

/**
 * A model with its published facts: its claims and its catalog entry's (matched exactly, see
 * matchCatalog) resolved by precedence, and the flat fields refilled from the result. A model
 * without claims (merged before claims existed) claims what its flat fields say. Pure.
 */
export function enrichModel<M extends ClaimedModel>(
  model: M,
  catalog: LoadedCatalog,
  mapping: CatalogMapping | undefined,
): EnrichedModel<M> {
  const { claims, catalogId, ...rest } = model
  const own = claims ?? listingClaims(model)
  const match = matchCatalog(catalog, mapping, model.model || model.name, catalogId)
  const all = match ? mergeClaims(own, catalogClaims(match.model, { embedding: model.canEmbed })) : own
  const facts = resolveFacts(all, match ? { id: match.id, date: match.date } : null)
  return { ...rest, ...facts, ...flatFacts(facts) }
}

/**
 * A model published before models carried their facts' sources, as its flat fields would be
 * listed today; a model that has them is returned as it is. A backend that is deferred or serves
 * its last good list republishes such models until it is listed again.
 */
export function withPublishedFacts<M extends ModelFacts & { name: string; model: string }>(
  model: M | (M & ModelCatalogFacts),
): M & ModelCatalogFacts {
  if ('sources' in model) return model
  return { ...model, ...resolveFacts(listingClaims(model)) }
}
