import type { BackendRuntimeState } from '../published/types'

/** A model merged across every backend that serves it (seed GET /models). */
export interface MergedModel {
  id: string
  model: string
  contextLength: number
  canChat: boolean
  canEmbed: boolean
  canPrompt: boolean
  canStream: boolean
}

/** Merged by model id: the largest context seen, capability flags OR-ed; sorted by id. */
export function mergedModels(backends: readonly BackendRuntimeState[]): MergedModel[] {
  const byId = new Map<string, MergedModel>()
  foldMergedModels(byId, backends, Infinity)
  return sortedById(byId)
}

/**
 * Folds more backends into a running merge that keeps only the `limit` smallest ids, so the first
 * models of a fleet too large to hold can be merged a part at a time. An id dropped once can never
 * come back among the first `limit`: `limit` smaller ids were already held, and they stay.
 */
export function foldMergedModels(
  byId: Map<string, MergedModel>,
  backends: readonly BackendRuntimeState[],
  limit: number,
): void {
  for (const state of backends) {
    for (const model of state.pulledModels) {
      const id = model.model || model.name
      const seen = byId.get(id)
      byId.set(id, {
        id,
        model: id,
        contextLength: Math.max(seen?.contextLength ?? 0, model.contextLength),
        canChat: (seen?.canChat ?? false) || model.canChat,
        canEmbed: (seen?.canEmbed ?? false) || model.canEmbed,
        canPrompt: (seen?.canPrompt ?? false) || model.canPrompt,
        canStream: (seen?.canStream ?? false) || model.canStream,
      })
    }
  }
  if (byId.size > limit) for (const model of sortedById(byId).slice(limit)) byId.delete(model.id)
}

export function sortedById(byId: Map<string, MergedModel>): MergedModel[] {
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** The OpenAI `GET /v1/models` list shape, so OpenAI clients can discover what is served. */
export function openAIModelList(backends: readonly BackendRuntimeState[], createdAt: Date) {
  return { object: 'list' as const, data: openAIModels(mergedModels(backends), createdAt) }
}

/** The OpenAI list's elements for merged models. */
export function openAIModels(models: readonly MergedModel[], createdAt: Date) {
  const created = Math.floor(createdAt.getTime() / 1000)
  return models.map((m) => ({ id: m.id, object: 'model' as const, created, owned_by: 'runtime' }))
}
