import type {
  FactConflict,
  FactSource,
  ModelCatalogFacts,
  ModelFacts,
  ModelLifecycle,
  ModelSources,
} from '../published/types'
import { FACT_SOURCES } from '../published/types'

/**
 * Every published fact, by path. A model's facts are gathered as claims, each a value with its
 * source, and resolved by precedence (FACT_SOURCES order): the highest-ranked claim is published,
 * and every other value that differs is kept as a conflict. Pure.
 */
export const FACT_PATHS = [
  'limits.context',
  'limits.input',
  'limits.output',
  'capabilities.tools',
  'capabilities.reasoning',
  'capabilities.vision',
  'capabilities.structuredOutput',
  'capabilities.attachments',
  'modalities.input',
  'modalities.output',
  'pricing.input',
  'pricing.output',
  'pricing.cacheRead',
  'pricing.cacheWrite',
  'knowledgeCutoff',
  'releaseDate',
  'lifecycle',
] as const

export type FactPath = (typeof FACT_PATHS)[number]
export type FactValue = number | boolean | string | string[] | ModelLifecycle

/** The type a path's value has in ModelCatalogFacts (`FactAt<ModelCatalogFacts, 'limits.context'>` is `number | null`). */
type FactAt<T, P extends string> = P extends `${infer K}.${infer Rest}`
  ? K extends keyof T
    ? FactAt<T[K], Rest>
    : never
  : P extends keyof T
    ? T[P]
    : never

export interface Claim {
  value: FactValue
  source: Exclude<FactSource, 'unknown'>
}

/** What is known of one model, path by path; a path without claims is unknown. */
export type Claims = Partial<Record<FactPath, Claim[]>>

/**
 * A list of modalities as claims hold it: lower-case names such as `text` or `image`, sorted and
 * each once, so that equal sets compare equal; anything else (a provider's free text) is left out.
 */
export function modalityList(values: readonly string[]): string[] {
  const names = values.map((v) => v.trim().toLowerCase()).filter((v) => /^[a-z]{1,32}$/.test(v))
  return [...new Set(names)].sort()
}

/** The claims with one more; a claim from a source that already claimed the path replaces it. */
export function withClaim(
  claims: Claims,
  path: FactPath,
  value: FactValue | null | undefined,
  source: Claim['source'],
): Claims {
  if (value === null || value === undefined) return claims
  const others = (claims[path] ?? []).filter((c) => c.source !== source)
  return { ...claims, [path]: [...others, { value, source }] }
}

/** Both sets of claims; where both claim a path from one source, `later`'s wins. */
export function mergeClaims(earlier: Claims, later: Claims): Claims {
  let merged = earlier
  for (const path of FACT_PATHS) for (const c of later[path] ?? []) merged = withClaim(merged, path, c.value, c.source)
  return merged
}

const rank = (source: FactSource) => FACT_SOURCES.indexOf(source)

const same = (a: FactValue, b: FactValue) => JSON.stringify(a) === JSON.stringify(b)

/** The published facts: per path the highest-ranked claim, and the differing values beside it. */
export function resolveFacts(claims: Claims, catalog: ModelCatalogFacts['catalog'] = null): ModelCatalogFacts {
  const values = new Map<FactPath, { value: FactValue | null; source: FactSource }>()
  const conflicts: FactConflict[] = []
  for (const path of FACT_PATHS) {
    const ranked = [...(claims[path] ?? [])].sort((a, b) => rank(a.source) - rank(b.source))
    const [chosen, ...rest] = ranked
    values.set(path, chosen ? { value: chosen.value, source: chosen.source } : { value: null, source: 'unknown' })
    if (!chosen) continue
    for (const other of rest) {
      if (!same(other.value, chosen.value)) conflicts.push({ field: path, value: other.value, source: other.source })
    }
  }
  const value = <P extends FactPath>(path: P) => values.get(path)!.value as FactAt<ModelCatalogFacts, P>
  const source = (path: FactPath) => values.get(path)!.source
  const sources: ModelSources = {
    limits: { context: source('limits.context'), input: source('limits.input'), output: source('limits.output') },
    capabilities: {
      tools: source('capabilities.tools'),
      reasoning: source('capabilities.reasoning'),
      vision: source('capabilities.vision'),
      structuredOutput: source('capabilities.structuredOutput'),
      attachments: source('capabilities.attachments'),
    },
    modalities: { input: source('modalities.input'), output: source('modalities.output') },
    pricing: {
      input: source('pricing.input'),
      output: source('pricing.output'),
      cacheRead: source('pricing.cacheRead'),
      cacheWrite: source('pricing.cacheWrite'),
    },
    knowledgeCutoff: source('knowledgeCutoff'),
    releaseDate: source('releaseDate'),
    lifecycle: source('lifecycle'),
  }
  return {
    limits: {
      context: value('limits.context'),
      input: value('limits.input'),
      output: value('limits.output'),
    },
    capabilities: {
      tools: value('capabilities.tools'),
      reasoning: value('capabilities.reasoning'),
      vision: value('capabilities.vision'),
      structuredOutput: value('capabilities.structuredOutput'),
      attachments: value('capabilities.attachments'),
    },
    modalities: { input: value('modalities.input'), output: value('modalities.output') },
    pricing: {
      input: value('pricing.input'),
      output: value('pricing.output'),
      cacheRead: value('pricing.cacheRead'),
      cacheWrite: value('pricing.cacheWrite'),
    },
    knowledgeCutoff: value('knowledgeCutoff'),
    releaseDate: value('releaseDate'),
    lifecycle: value('lifecycle'),
    sources,
    catalog,
    conflicts,
  }
}

/** The flat fields older readers use, from the resolved facts (unknown stays 0, false or null). */
export function flatFacts(
  facts: ModelCatalogFacts,
): Pick<ModelFacts, 'contextLength' | 'maxOutputTokens' | 'canThink' | 'canVision' | 'tools'> {
  return {
    contextLength: facts.limits.context ?? 0,
    maxOutputTokens: facts.limits.output ?? 0,
    canThink: facts.capabilities.reasoning ?? false,
    canVision: facts.capabilities.vision ?? false,
    tools: facts.capabilities.tools,
  }
}
