import { bearer, joinUrl, requestJson } from '../http'
import type { ListContext, Observation } from '../types'
import { MISTRAL_LABEL, parseMistralModels } from './parse'

export const MISTRAL_DEFAULT_BASE = 'https://api.mistral.ai/v1'

/** `GET <base>/models` with the bearer key; the list is not paginated. */
export async function listMistralModels(ctx: ListContext): Promise<Observation> {
  const base = ctx.baseUrl.trim() || MISTRAL_DEFAULT_BASE
  const json = await requestJson(ctx, joinUrl(base, 'models'), {
    label: MISTRAL_LABEL,
    headers: bearer(ctx.credential),
  })
  return { models: parseMistralModels(json), warnings: [] }
}
