import { MODEL_FACT_BITS, type ModelFactCapability } from '../db/model-fact-bits'
import { canonicalBackendType } from '../published/backend-type'
import type { BackendRuntimeState, ModelPullStatus } from '../published/types'
import { withPublishedFacts } from '../catalog/enrich'
import { type FactFilter, factsMatch, normalFactFilter } from './fact-filter'
import { type FactQuery, factQuery } from './fact-filter-index'

/**
 * The capabilities /providers filters by, in the order the API names them. A capability's bit in a
 * mask is its MODEL_FACT_BITS entry, which Postgres keeps, never its place in this list.
 */
export const CAPABILITIES = [
  'chat',
  'embed',
  'prompt',
  'stream',
  'think',
  'vision',
] as const satisfies readonly ModelFactCapability[]
export type Capability = (typeof CAPABILITIES)[number]

const FLAG: Record<Capability, 'canChat' | 'canEmbed' | 'canPrompt' | 'canStream' | 'canThink' | 'canVision'> = {
  chat: 'canChat',
  embed: 'canEmbed',
  prompt: 'canPrompt',
  stream: 'canStream',
  think: 'canThink',
  vision: 'canVision',
}

/** One (usable backend, model) pair: what an app routes a request to (seed ProviderFromRuntimeState). */
export type ProviderEntry = {
  backendId: string
  backendName: string
  type: string
  baseUrl: string
} & Omit<ModelPullStatus, 'modifiedAt' | 'size' | 'digest'>

/**
 * Backend types, the flat capability flags, freshness, and the published facts (FactFilter: an
 * unknown fact satisfies no condition, so a model whose context length is unknown never satisfies
 * `minContext`).
 */
export interface ProviderFilter extends FactFilter {
  /** Backend types; none (or only empty strings) = every type; an unknown type matches nothing. */
  types: string[]
  /** Every listed capability must hold. */
  capabilities: Capability[]
  /** Leave out stale entries (a failing backend's last good list). */
  fresh?: boolean
}

/** A filter in the form the index compares: canonical types, capabilities as a bit mask, facts as columns compare. */
export interface ProviderQuery {
  /** Empty: every type. */
  types: ReadonlySet<string>
  mask: number
  fresh: boolean
  /** The fact conditions, as a full scan checks them… */
  facts: FactFilter
  /** …and as the index's columns and summaries do. */
  factQuery: FactQuery
}

export function providerQuery(filter: ProviderFilter): ProviderQuery {
  const { types, capabilities, fresh, ...facts } = filter
  const asked = normalFactFilter(facts)
  return {
    types: new Set(types.map(canonicalBackendType).filter(Boolean)),
    mask: capabilities.reduce((mask, c) => mask | capabilityBit(c), 0),
    fresh: fresh === true,
    facts: asked,
    factQuery: factQuery(asked),
  }
}

export function capabilityBit(capability: Capability): number {
  return MODEL_FACT_BITS[capability]
}

/** The capabilities a model has, as a mask of MODEL_FACT_BITS (what backend_health.model_facts stores). */
export function capabilityMask(model: Pick<ModelPullStatus, (typeof FLAG)[Capability]>): number {
  return CAPABILITIES.reduce((mask, c) => (model[FLAG[c]] ? mask | capabilityBit(c) : mask), 0)
}

/** Whether an entry of this type, capability mask and staleness matches, facts aside. */
export function matchesQuery(query: ProviderQuery, type: string, mask: number, stale: boolean): boolean {
  if (query.types.size > 0 && !query.types.has(type)) return false
  if ((mask & query.mask) !== query.mask) return false
  return !(query.fresh && stale)
}

export function providerEntry(state: BackendRuntimeState, model: ModelPullStatus): ProviderEntry {
  const { modifiedAt: _m, size: _s, digest: _d, ...served } = model
  const type = canonicalBackendType(state.backend.type)
  return { backendId: state.id, backendName: state.name, type, baseUrl: state.backend.baseUrl, ...served }
}

/**
 * Providers from a snapshot by a full scan, as the Go package listed them: every model a backend
 * serves, so a backend that is down (it serves none) contributes nothing, and a suspect one its last
 * good list, marked stale; the type filter keeps the Go package's meaning but names each type once,
 * so nothing is listed twice. The published index answers the same question without the scan
 * (views/provider-index.ts).
 */
export function providersFromSnapshot(backends: BackendRuntimeState[], filter: ProviderFilter): ProviderEntry[] {
  const query = providerQuery(filter)
  const entries: ProviderEntry[] = []
  for (const state of backends) {
    const type = canonicalBackendType(state.backend.type)
    for (const model of state.pulledModels) {
      if (
        matchesQuery(query, type, capabilityMask(model), model.stale) &&
        factsMatch(query.facts, withPublishedFacts(model))
      ) {
        entries.push(providerEntry(state, model))
      }
    }
  }
  return entries
}

/** The capability names of a mask, in CAPABILITIES order. */
export function capabilityNames(mask: number): Capability[] {
  return CAPABILITIES.filter((c) => (mask & capabilityBit(c)) !== 0)
}
