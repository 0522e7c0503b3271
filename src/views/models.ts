import type { BackendRuntimeState, ModelPricing } from '../published/types'
import { withPublishedFacts } from '../catalog/enrich'
import type { PublishedFacts } from './fact-filter'

/**
 * A model merged across every backend that serves it (seed GET /models), with its published facts
 * merged: the largest of each limit, a capability true when any backend says so (false when some
 * say false and none true, null when none says), the union of modalities, the lowest of each
 * known price (not necessarily one backend's).
 */
export interface MergedModel extends PublishedFacts {
  id: string
  model: string
  contextLength: number
  canChat: boolean
  canEmbed: boolean
  canPrompt: boolean
  canStream: boolean
}

/**
 * A merged model and the prices /v1/models quotes for it: one backend's, that whose known input
 * price is the lowest among those that know both input and output prices (the first of equals by
 * output price, then snapshot order); null when none knows both.
 */
export interface MergedEntry {
  model: MergedModel
  quote: ModelPricing | null
}

/** Merged by model id: the largest context seen, capability flags OR-ed, facts merged; sorted by id. */
export function mergedEntries(backends: readonly BackendRuntimeState[]): MergedEntry[] {
  const byId = new Map<string, MergedEntry>()
  foldMergedModels(byId, backends, Infinity)
  return sortedById(byId)
}

export function mergedModels(backends: readonly BackendRuntimeState[]): MergedModel[] {
  return mergedEntries(backends).map((e) => e.model)
}

const largest = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b))
const lowest = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b))
/** True over false over unknown. */
const either = (a: boolean | null, b: boolean | null) => (a === true || b === true ? true : (a ?? b))
const union = (a: string[] | null, b: string[] | null) =>
  a === null ? b : b === null ? a : [...new Set([...a, ...b])].sort()

function mergeFacts(seen: PublishedFacts, next: PublishedFacts): PublishedFacts {
  const [l, c, m, p] = [seen.limits, seen.capabilities, seen.modalities, seen.pricing]
  const { limits, capabilities, modalities, pricing } = next
  return {
    limits: {
      context: largest(l.context, limits.context),
      input: largest(l.input, limits.input),
      output: largest(l.output, limits.output),
    },
    capabilities: {
      tools: either(c.tools, capabilities.tools),
      reasoning: either(c.reasoning, capabilities.reasoning),
      vision: either(c.vision, capabilities.vision),
      structuredOutput: either(c.structuredOutput, capabilities.structuredOutput),
      attachments: either(c.attachments, capabilities.attachments),
    },
    modalities: { input: union(m.input, modalities.input), output: union(m.output, modalities.output) },
    pricing: {
      input: lowest(p.input, pricing.input),
      output: lowest(p.output, pricing.output),
      cacheRead: lowest(p.cacheRead, pricing.cacheRead),
      cacheWrite: lowest(p.cacheWrite, pricing.cacheWrite),
    },
  }
}

/** One backend's facts, as a merge starts from them: modality lists sorted, as merged ones are. */
function ownFacts({ limits, capabilities, modalities, pricing }: PublishedFacts): PublishedFacts {
  const sorted = (list: string[] | null) => (list === null ? null : [...new Set(list)].sort())
  return {
    limits,
    capabilities,
    modalities: { input: sorted(modalities.input), output: sorted(modalities.output) },
    pricing,
  }
}

/** The cheaper of two quotes (see MergedEntry); the earlier of equals. */
function cheaper(seen: ModelPricing | null, next: ModelPricing): ModelPricing | null {
  if (next.input === null || next.output === null) return seen
  if (seen === null) return next
  const byInput = next.input - seen.input!
  return byInput < 0 || (byInput === 0 && next.output < seen.output!) ? next : seen
}

/**
 * Folds more backends into a running merge that keeps only the `limit` smallest ids (past `after`,
 * when given), so the first models of a fleet too large to hold can be merged a part at a time. An
 * id dropped once can never come back among the first `limit`: `limit` smaller ids were already
 * held, and they stay.
 */
export function foldMergedModels(
  byId: Map<string, MergedEntry>,
  backends: readonly BackendRuntimeState[],
  limit: number,
  after?: string,
): void {
  for (const state of backends) {
    for (const served of state.pulledModels) {
      const id = served.model || served.name
      if (after !== undefined && id <= after) continue
      const seen = byId.get(id)
      const facts = ownFacts(withPublishedFacts(served))
      const model = seen?.model
      byId.set(id, {
        model: {
          id,
          model: id,
          contextLength: Math.max(model?.contextLength ?? 0, served.contextLength),
          canChat: (model?.canChat ?? false) || served.canChat,
          canEmbed: (model?.canEmbed ?? false) || served.canEmbed,
          canPrompt: (model?.canPrompt ?? false) || served.canPrompt,
          canStream: (model?.canStream ?? false) || served.canStream,
          ...(model ? mergeFacts(model, facts) : facts),
        },
        quote: cheaper(seen?.quote ?? null, facts.pricing),
      })
    }
  }
  if (byId.size > limit) for (const entry of sortedById(byId).slice(limit)) byId.delete(entry.model.id)
}

export function sortedById(byId: Map<string, MergedEntry>): MergedEntry[] {
  return [...byId.values()].sort((a, b) => (a.model.id < b.model.id ? -1 : a.model.id > b.model.id ? 1 : 0))
}
