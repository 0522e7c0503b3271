import type { ObservedModel } from '../providers/types'

/**
 * At most `max` models per backend (MAX_MODELS_PER_BACKEND). Past it the first `max` by model id
 * in code-point order are kept, so the same listing always keeps the same models whatever order
 * the provider sent them in or the runtime's locale, and a warning says how many were listed.
 */
export function capModels(models: ObservedModel[], max: number): { models: ObservedModel[]; warning?: string } {
  if (models.length <= max) return { models }
  const byId = [...models].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return {
    models: byId.slice(0, max),
    warning: `listed ${models.length} models; kept the first ${max} by id (MAX_MODELS_PER_BACKEND)`,
  }
}
