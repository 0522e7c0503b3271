import type { ModelCatalogFacts } from '../published/types'

/**
 * What a reader may ask of a model's published facts, on /providers, /models and the models page.
 * Every condition must hold, and an unknown value satisfies none: a model whose price is unknown
 * is never "under $3", and one whose tool calling is unknown is neither `tools=true` nor `tools=false`.
 * A minimum of 0 tokens asks nothing (as `/providers?minContext=0` always did); a price of 0 asks
 * for free models.
 */
export interface FactFilter {
  tools?: boolean
  vision?: boolean
  reasoning?: boolean
  /** Tokens: `limits.context` at least this. */
  minContext?: number
  /** Tokens: `limits.output` at least this. */
  minOutput?: number
  /** USD per million tokens: `pricing.input` at most this. */
  maxInputPrice?: number
  /** USD per million tokens: `pricing.output` at most this. */
  maxOutputPrice?: number
  /** Lower-case, e.g. `image`: among `modalities.input`. */
  inputModality?: string
}

/** The facts a FactFilter reads. */
export type FilterableFacts = {
  limits: Pick<ModelCatalogFacts['limits'], 'context' | 'output'>
  capabilities: Pick<ModelCatalogFacts['capabilities'], 'tools' | 'vision' | 'reasoning'>
  pricing: Pick<ModelCatalogFacts['pricing'], 'input' | 'output'>
  modalities: Pick<ModelCatalogFacts['modalities'], 'input'>
}

/** The facts of a published model that the views merge and filter on. */
export type PublishedFacts = Pick<ModelCatalogFacts, 'limits' | 'capabilities' | 'modalities' | 'pricing'>

export const FACT_FILTER_KEYS = [
  'tools',
  'vision',
  'reasoning',
  'minContext',
  'minOutput',
  'maxInputPrice',
  'maxOutputPrice',
  'inputModality',
] as const satisfies readonly (keyof FactFilter)[]

/** Whether the filter asks anything at all. */
export function filtersFacts(filter: FactFilter): boolean {
  return FACT_FILTER_KEYS.some((key) => filter[key] !== undefined)
}

/** The filter without the conditions that ask nothing (a minimum of 0 tokens). */
export function normalFactFilter(filter: FactFilter): FactFilter {
  const asked = Object.entries(filter).filter(
    ([key, value]) => value !== undefined && !((key === 'minContext' || key === 'minOutput') && value === 0),
  )
  return Object.fromEntries(asked)
}

export function factsMatch(filter: FactFilter, facts: FilterableFacts): boolean {
  const { limits, capabilities, pricing, modalities } = facts
  if (filter.tools !== undefined && capabilities.tools !== filter.tools) return false
  if (filter.vision !== undefined && capabilities.vision !== filter.vision) return false
  if (filter.reasoning !== undefined && capabilities.reasoning !== filter.reasoning) return false
  if (filter.minContext && !(limits.context !== null && limits.context >= filter.minContext)) return false
  if (filter.minOutput && !(limits.output !== null && limits.output >= filter.minOutput)) return false
  if (filter.maxInputPrice !== undefined && !(pricing.input !== null && pricing.input <= filter.maxInputPrice)) {
    return false
  }
  if (filter.maxOutputPrice !== undefined && !(pricing.output !== null && pricing.output <= filter.maxOutputPrice)) {
    return false
  }
  if (filter.inputModality !== undefined && !(modalities.input ?? []).includes(filter.inputModality)) return false
  return true
}
