import { ProviderError } from '../../errors/provider-error'
import { joinUrl, requestJson } from '../http'
import { paginate } from '../paginate'
import type { ListContext, Observation } from '../types'
import { readGoogleError } from './google'
import { GEMINI_LABEL, parseGeminiPage } from './parse'

export const GEMINI_DEFAULT_BASE = 'https://generativelanguage.googleapis.com'
/** The largest page the API serves: the fewest subrequests. */
export const GEMINI_PAGE_SIZE = 1000

/** `<base>/v1beta/models?pageSize=…[&pageToken=…]`, the token URL-encoded. */
export function geminiPageUrl(baseUrl: string, pageToken?: string): string {
  // Accept a base that already names the API version.
  const base = (baseUrl.trim() || GEMINI_DEFAULT_BASE).replace(/\/+$/, '').replace(/\/v1(beta)?$/, '')
  const query = `pageSize=${GEMINI_PAGE_SIZE}${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`
  return `${joinUrl(base, 'v1beta/models')}?${query}`
}

/**
 * `GET <base>/v1beta/models`, following `nextPageToken` to the last page. Limits, methods and
 * thinking come from the list itself, so there is no per-model describe call (unlike the seed).
 * A failing page fails the whole listing.
 */
export async function listGeminiModels(ctx: ListContext): Promise<Observation> {
  const headers: Record<string, string> = ctx.credential ? { 'x-goog-api-key': ctx.credential } : {}
  const models = await paginate(ctx, {
    label: GEMINI_LABEL,
    describeCursor: (token) => `page token ${token}`,
    fetchPage: async (pageCtx, pageToken) => {
      const parsed = parseGeminiPage(await requestPage(pageCtx, geminiPageUrl(ctx.baseUrl, pageToken), headers))
      return { items: parsed.models, next: parsed.nextPageToken }
    },
  })
  return { models, warnings: [] }
}

/**
 * One page. Gemini answers a bad key with 400 INVALID_ARGUMENT / API_KEY_INVALID rather than
 * 401: that is an auth failure, not a bad request.
 */
async function requestPage(ctx: ListContext, url: string, headers: Record<string, string>): Promise<unknown> {
  // Set by errorDetail while requestJson runs (a property: TS does not see the callback change it).
  const answer = { keyInvalid: false }
  try {
    return await requestJson(ctx, url, {
      label: GEMINI_LABEL,
      headers,
      errorDetail: (body) => {
        const error = readGoogleError(body)
        answer.keyInvalid = error.reasons.includes('API_KEY_INVALID')
        return error.detail
      },
    })
  } catch (error) {
    if (error instanceof ProviderError && error.status === 400 && answer.keyInvalid) {
      throw new ProviderError('auth', error.message, { status: error.status, cause: error })
    }
    throw error
  }
}
