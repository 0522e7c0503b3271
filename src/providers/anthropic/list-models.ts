import { ProviderError } from '../../errors/provider-error'
import { joinUrl, requestJson } from '../http'
import { paginate } from '../paginate'
import type { ListContext, Observation } from '../types'
import { ANTHROPIC_LABEL, ANTHROPIC_REQUEST_LABEL, parseAnthropicPage } from './parse'

export const ANTHROPIC_DEFAULT_BASE = 'https://api.anthropic.com'
export const ANTHROPIC_VERSION = '2023-06-01'
/** The largest page the API allows: one request for today's model count. */
const PAGE_LIMIT = 1000

/**
 * `GET <base>/v1/models?limit=1000`, then `&after_id=<last_id>` while `has_more`, to the last
 * page. Any failing page fails the whole listing: a partial list is never returned.
 */
export async function listAnthropicModels(ctx: ListContext): Promise<Observation> {
  const url = joinUrl(anthropicBase(ctx.baseUrl), 'v1/models')
  const headers: Record<string, string> = {
    'anthropic-version': ANTHROPIC_VERSION,
    ...(ctx.credential ? { 'x-api-key': ctx.credential } : {}),
  }
  const models = await paginate(ctx, {
    label: ANTHROPIC_LABEL,
    describeCursor: (afterId) => `the page after ${afterId}`,
    fetchPage: async (pageCtx, afterId) => {
      const query = `?limit=${PAGE_LIMIT}` + (afterId ? `&after_id=${encodeURIComponent(afterId)}` : '')
      const parsed = parseAnthropicPage(await request(pageCtx, url + query, headers))
      return { items: parsed.models, next: parsed.nextAfterId }
    },
  })
  return { models, warnings: [] }
}

/** The base without `/v1` (the API path adds it); a base given with `/v1` is accepted too. */
export function anthropicBase(baseUrl: string): string {
  const base = baseUrl.trim().replace(/\/+$/, '') || ANTHROPIC_DEFAULT_BASE
  return base.replace(/\/v1$/, '')
}

/** Status errors name the endpoint, decode errors say `decode anthropic catalog response` (seed). */
async function request(ctx: ListContext, url: string, headers: Record<string, string>): Promise<unknown> {
  try {
    return await requestJson(ctx, url, { label: ANTHROPIC_REQUEST_LABEL, headers })
  } catch (error) {
    if (error instanceof ProviderError && error.kind === 'bad_payload') {
      const message = error.message.replace(
        `decode ${ANTHROPIC_REQUEST_LABEL} response`,
        `decode ${ANTHROPIC_LABEL} response`,
      )
      throw new ProviderError('bad_payload', message, { cause: error.cause ?? error, status: error.status })
    }
    throw error
  }
}
