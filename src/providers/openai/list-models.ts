import { ProviderError } from '../../errors/provider-error'
import { bearer, joinUrl, requestJson } from '../http'
import type { ListContext, Observation } from '../types'
import { OPENAI_LABEL, observedFromOpenAIId, parseOpenAIPage } from './parse'

export const OPENAI_DEFAULT_BASE = 'https://api.openai.com/v1'
/** A provider that keeps answering has_more must not keep a probe busy forever. */
const MAX_PAGES = 100

/** `GET <base>/models`, following `has_more` with `?after=` to the last page. */
export async function listOpenAIModels(ctx: ListContext): Promise<Observation> {
  const base = ctx.baseUrl.trim() || OPENAI_DEFAULT_BASE
  const ids: string[] = []
  let after: string | undefined
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = joinUrl(base, 'models') + (after ? `?after=${encodeURIComponent(after)}` : '')
    const parsed = parseOpenAIPage(
      await requestJson(ctx, url, { label: OPENAI_LABEL, headers: bearer(ctx.credential) }),
    )
    ids.push(...parsed.ids)
    if (!parsed.nextAfter) return { models: ids.map(observedFromOpenAIId), warnings: [] }
    after = parsed.nextAfter
  }
  throw new ProviderError('bad_payload', `${OPENAI_LABEL} still had more pages after ${MAX_PAGES}`)
}
