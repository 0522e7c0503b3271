import { ProviderError } from '../../errors/provider-error'
import { readGoogleError } from '../gemini/google'
import { requestJson } from '../http'
import { paginate } from '../paginate'
import type { ListContext, ObservedModel, Observation } from '../types'
import { VERTEX_ERROR_PREFIX, publisherModelsUrl, vertexEndpoint } from './endpoint'
import { parsePublisherModelsPage } from './parse'
import { parseServiceAccount } from './service-account'
import { TokenCache, mintAccessToken, tokenCacheKey } from './token'

const LIST_LABEL = 'vertex publisher list'
/** Module scope: lives as long as the isolate, shared by every probe and cycle it runs. */
const tokens = new TokenCache()

/**
 * Vertex AI publisher models: mint (or reuse) an OAuth access token from the
 * service-account JSON, then `GET <root>/v1beta1/publishers/google/models?pageSize=100`, following
 * `nextPageToken` to the last page. A failing page fails the whole listing.
 */
export async function listVertexModels(ctx: ListContext): Promise<Observation> {
  const endpoint = vertexEndpoint(ctx.baseUrl)
  const sa = parseServiceAccount(ctx.credential)
  const cacheKey = await tokenCacheKey(ctx.credential!.trim())
  const token = await tokens.get(cacheKey, () => mintAccessToken(ctx, sa))

  const warnings: string[] = []
  let userProject = endpoint.project
  let pages: ObservedModel[]
  try {
    pages = await paginate(ctx, {
      label: LIST_LABEL,
      describeCursor: (pageToken) => `page token ${pageToken}`,
      fetchPage: async (pageCtx, pageToken) => {
        const url = publisherModelsUrl(endpoint.apiRoot, pageToken)
        let answer = await requestPage(pageCtx, url, token, userProject)
        if (!answer.ok && answer.userProjectDenied && userProject) {
          // The quota project is optional: without it, the service account's own project is billed.
          warnings.push(
            `x-goog-user-project ${userProject} was refused (USER_PROJECT_DENIED: the service account lacks ` +
              'serviceusage.services.use on it); listed without it',
          )
          userProject = undefined
          answer = await requestPage(pageCtx, url, token, userProject)
        }
        if (!answer.ok) {
          if (answer.error instanceof ProviderError && answer.error.status === 401) tokens.evict(cacheKey)
          throw answer.error
        }
        const parsed = parsePublisherModelsPage(answer.json)
        return { items: parsed.models, next: parsed.nextPageToken }
      },
    })
  } catch (error) {
    throw wrap(error)
  }
  // Pages are separate reads: a model that moved between them is listed once.
  const byName = new Map<string, ObservedModel>()
  for (const model of pages) if (!byName.has(model.name)) byName.set(model.name, model)
  return { models: [...byName.values()], warnings }
}

type PageAnswer = { ok: true; json: unknown } | { ok: false; error: unknown; userProjectDenied: boolean }

/** One page; a 403 USER_PROJECT_DENIED is told apart so the page can be asked again without the header. */
async function requestPage(
  ctx: ListContext,
  url: string,
  token: string,
  userProject: string | undefined,
): Promise<PageAnswer> {
  let reasons: string[] = []
  try {
    const json = await requestJson(ctx, url, {
      label: LIST_LABEL,
      headers: { Authorization: `Bearer ${token}`, ...(userProject ? { 'x-goog-user-project': userProject } : {}) },
      errorDetail: (body) => {
        const error = readGoogleError(body)
        reasons = error.reasons
        return error.detail
      },
    })
    return { ok: true, json }
  } catch (error) {
    const denied = error instanceof ProviderError && error.status === 403 && reasons.includes('USER_PROJECT_DENIED')
    return { ok: false, error, userProjectDenied: denied }
  }
}

/** Prefixes a listing failure as the seed does, keeping its kind and status. */
function wrap(error: unknown): unknown {
  if (!(error instanceof ProviderError) || error.message.startsWith(VERTEX_ERROR_PREFIX)) return error
  return new ProviderError(error.kind, `${VERTEX_ERROR_PREFIX}: ${error.message}`, {
    status: error.status,
    cause: error,
  })
}
