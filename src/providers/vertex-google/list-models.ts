import { ProviderError } from '../../errors/provider-error'
import { readGoogleError } from '../gemini/google'
import { requestJson } from '../http'
import type { ListContext, ObservedModel, Observation } from '../types'
import { VERTEX_ERROR_PREFIX, publisherModelsUrl, vertexEndpoint } from './endpoint'
import { parsePublisherModelsPage } from './parse'
import { parseServiceAccount } from './service-account'
import { TokenCache, mintAccessToken, tokenCacheKey } from './token'

const LIST_LABEL = 'vertex publisher list'
/** A provider that keeps handing out page tokens must not keep a probe busy forever. */
const MAX_PAGES = 50

/** Module scope: lives as long as the isolate, shared by every probe and cycle it runs. */
const tokens = new TokenCache()

/**
 * Vertex AI publisher models (seed-spec §5.8): mint (or reuse) an OAuth access token from the
 * service-account JSON, then `GET <root>/v1beta1/publishers/google/models?pageSize=100`, following
 * `nextPageToken` to the last page. A failing page fails the whole listing.
 */
export async function listVertexModels(ctx: ListContext): Promise<Observation> {
  const endpoint = vertexEndpoint(ctx.baseUrl)
  const sa = parseServiceAccount(ctx.credential)
  const cacheKey = await tokenCacheKey(ctx.credential!.trim())
  const token = await tokens.get(cacheKey, () => mintAccessToken(ctx, sa))

  const models: ObservedModel[] = []
  const names = new Set<string>()
  const warnings: string[] = []
  const seenTokens = new Set<string>()
  let userProject = endpoint.project
  let pageToken: string | undefined
  for (let page = 0; page < MAX_PAGES;) {
    const answer = await requestPage(ctx, publisherModelsUrl(endpoint.apiRoot, pageToken), token, userProject)
    if (!answer.ok) {
      if (answer.userProjectDenied && userProject) {
        // The quota project is optional: without it, the service account's own project is billed.
        warnings.push(
          `x-goog-user-project ${userProject} was refused (USER_PROJECT_DENIED: the service account lacks ` +
            'serviceusage.services.use on it); listed without it',
        )
        userProject = undefined
        continue
      }
      if (answer.error instanceof ProviderError && answer.error.status === 401) tokens.evict(cacheKey)
      throw wrap(answer.error)
    }
    page++
    let parsed
    try {
      parsed = parsePublisherModelsPage(answer.json)
    } catch (error) {
      throw wrap(error)
    }
    for (const model of parsed.models) {
      // Pages are separate reads: a model that moved between them is listed once.
      if (names.has(model.name)) continue
      names.add(model.name)
      models.push(model)
    }
    if (!parsed.nextPageToken) return { models, warnings }
    if (seenTokens.has(parsed.nextPageToken)) {
      throw wrap(new ProviderError('bad_payload', `${LIST_LABEL} handed out page token ${parsed.nextPageToken} twice`))
    }
    seenTokens.add(parsed.nextPageToken)
    pageToken = parsed.nextPageToken
  }
  throw wrap(new ProviderError('bad_payload', `${LIST_LABEL} still had more pages after ${MAX_PAGES}`))
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
