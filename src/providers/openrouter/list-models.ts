import { ProviderError } from '../../errors/provider-error'
import { bearer, joinUrl, requestJson } from '../http'
import type { ListContext, ObservedModel, Observation } from '../types'
import { OPENROUTER_EMBEDDINGS_LABEL, OPENROUTER_LABEL, mergeById, parseOpenRouterModels } from './parse'

export const OPENROUTER_DEFAULT_BASE = 'https://openrouter.ai/api/v1'
/** The list is not paginated without offset/limit; a server that keeps sending `next` is broken. */
const MAX_PAGES = 20

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
async function readList(ctx: ListContext, first: string, label: string): Promise<ObservedModel[]> {
  const models: ObservedModel[] = []
  const seen = new Set<string>()
  let url = first
  for (let page = 0; page < MAX_PAGES; page++) {
    seen.add(new URL(url).href)
    const parsed = parseOpenRouterModels(await requestJson(ctx, url, { label, headers: bearer(ctx.credential) }), label)
    models.push(...parsed.models)
    if (!parsed.next) return models
    const next = new URL(parsed.next, url)
    if (next.origin !== new URL(url).origin) {
      throw new ProviderError('bad_payload', `${label} pointed its next page to another origin: ${next.origin}`)
    }
    if (seen.has(next.href)) throw new ProviderError('bad_payload', `${label} repeated its next page ${next.href}`)
    url = next.href
  }
  throw new ProviderError('bad_payload', `${label} still had more pages after ${MAX_PAGES}`)
}
