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

/**
 * Leaves out models whose id, display name, digest or date quotes the credential (a backend or proxy listing
 * the key it was sent as a model): they would publish it.
 */
export function withoutCredentialEchoes(
  models: ObservedModel[],
  quotesCredential: (text: string) => boolean,
): { models: ObservedModel[]; warning?: string } {
  const kept = models.filter(
    (m) =>
      ![m.name, m.displayName, m.digest, m.modifiedAt].some((text) => text !== undefined && quotesCredential(text)),
  )
  if (kept.length === models.length) return { models }
  const left = models.length - kept.length
  return { models: kept, warning: `left out ${left} model(s) whose id quoted the credential` }
}
