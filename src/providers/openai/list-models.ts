import { bearer, joinUrl, requestJson } from '../http'
import { paginate } from '../paginate'
import type { ListContext, Observation } from '../types'
import { OPENAI_LABEL, observedFromOpenAIId, parseOpenAIPage } from './parse'

export const OPENAI_DEFAULT_BASE = 'https://api.openai.com/v1'

/** `GET <base>/models`, following `has_more` with `?after=` to the last page. */
export async function listOpenAIModels(ctx: ListContext): Promise<Observation> {
  const base = ctx.baseUrl.trim() || OPENAI_DEFAULT_BASE
  const ids = await paginate(ctx, {
    label: OPENAI_LABEL,
    describeCursor: (after) => `the page after ${after}`,
    fetchPage: async (pageCtx, after) => {
      const url = joinUrl(base, 'models') + (after ? `?after=${encodeURIComponent(after)}` : '')
      const parsed = parseOpenAIPage(
        await requestJson(pageCtx, url, { label: OPENAI_LABEL, headers: bearer(ctx.credential) }),
      )
      return { items: parsed.ids, next: parsed.nextAfter }
    },
  })
  return { models: ids.map(observedFromOpenAIId), warnings: [] }
}
