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
export function mergedModels(backends: BackendRuntimeState[]): MergedModel[] {
  const byId = new Map<string, MergedModel>()
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
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** The OpenAI `GET /v1/models` list shape, so OpenAI clients can discover what is served. */
export function openAIModelList(backends: BackendRuntimeState[], createdAt: Date) {
  const created = Math.floor(createdAt.getTime() / 1000)
  return {
    object: 'list' as const,
    data: mergedModels(backends).map((m) => ({ id: m.id, object: 'model' as const, created, owned_by: 'runtime' })),
  }
}
