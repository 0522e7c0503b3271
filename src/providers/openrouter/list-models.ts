import { ProviderError } from '../../errors/provider-error'
import { bearer, joinUrl, requestJson } from '../http'
import { paginate } from '../paginate'
import type { ListContext, ObservedModel, Observation } from '../types'
import { OPENROUTER_EMBEDDINGS_LABEL, OPENROUTER_LABEL, mergeById, parseOpenRouterModels } from './parse'

export const OPENROUTER_DEFAULT_BASE = 'https://openrouter.ai/api/v1'

/**
 * `GET <base>/models?output_modalities=all` (the default lists text-output models only, hiding
 * embedders and image models) and `GET <base>/embeddings/models`, merged by id. Both must
 * succeed: a failure of either fails the listing.
 *
 * Sequential on purpose: a probe holds one connection of the cycle's bounded budget, so the
 * two lists are read one after the other, never at once.
 */
export async function listOpenRouterModels(ctx: ListContext): Promise<Observation> {
  const base = ctx.baseUrl.trim() || OPENROUTER_DEFAULT_BASE
  const models = await readList(ctx, `${joinUrl(base, 'models')}?output_modalities=all`, OPENROUTER_LABEL)
  const embeddings = await readList(ctx, joinUrl(base, 'embeddings/models'), OPENROUTER_EMBEDDINGS_LABEL)
  return { models: mergeById(models, embeddings), warnings: [] }
}

/** One list, following `links.next` (same origin only: the key goes with it) to the end. */
function readList(ctx: ListContext, first: string, label: string): Promise<ObservedModel[]> {
  return paginate(ctx, {
    label,
    first: new URL(first).href,
    describeCursor: (url) => `its next page ${url}`,
    fetchPage: async (pageCtx, url = first) => {
      const parsed = parseOpenRouterModels(
        await requestJson(pageCtx, url, { label, headers: bearer(ctx.credential) }),
        label,
      )
      if (!parsed.next) return { items: parsed.models, next: undefined }
      const next = new URL(parsed.next, url)
      if (next.origin !== new URL(url).origin) {
        throw new ProviderError('bad_payload', `${label} pointed its next page to another origin: not followed`)
      }
      return { items: parsed.models, next: next.href }
    },
  })
}
