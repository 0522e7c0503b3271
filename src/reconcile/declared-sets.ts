import type { DeclaredModel, DeclaredState } from '../db/declared'
import type { BackendRecord } from '../published/types'

export interface BackendWork {
  backend: BackendRecord
  /** The declared models this backend is judged against. */
  declared: DeclaredModel[]
}

/**
 * Which backends a cycle probes, each with its declared models.
 * Without groups every backend gets every declared model. With groups only backends in some
 * group are probed, each with the models of all its groups (merged by model name, a later
 * group's record replacing an earlier one); a backend in no group is not probed at all and so
 * leaves the snapshot.
 */
export function declaredSets(state: DeclaredState, groupsMode: boolean): BackendWork[] {
  if (!groupsMode) return state.backends.map((backend) => ({ backend, declared: state.models }))

  const modelsById = new Map(state.models.map((m) => [m.id, m]))
  const modelsByGroup = new Map<string, DeclaredModel[]>()
  for (const { groupId, modelId } of state.groupModels) {
    const model = modelsById.get(modelId)
    if (model) modelsByGroup.set(groupId, [...(modelsByGroup.get(groupId) ?? []), model])
  }
  const declaredByBackend = new Map<string, Map<string, DeclaredModel>>()
  for (const group of state.groups) {
    for (const { groupId, backendId } of state.groupBackends) {
      if (groupId !== group.id) continue
      const merged = declaredByBackend.get(backendId) ?? new Map<string, DeclaredModel>()
      for (const model of modelsByGroup.get(group.id) ?? []) merged.set(model.model, model)
      declaredByBackend.set(backendId, merged)
    }
  }
  return state.backends
    .filter((backend) => declaredByBackend.has(backend.id))
    .map((backend) => ({ backend, declared: [...declaredByBackend.get(backend.id)!.values()] }))
}
