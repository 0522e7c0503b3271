import { ProviderError } from '../../errors/provider-error'
import { bearer, clipErrorBody, joinUrl, requestJson } from '../http'
import type { ListContext, Observation } from '../types'
import { observedFromTag, parseShow, parseTags, tagModelName, tagsCarryCapabilities } from './parse'

const LABEL = 'ollama API'

/** Accepts both `http://h:11434` and `https://ollama.com/api` (seed-spec §5.1). */
export function ollamaApiBase(baseUrl: string): string {
  const base = baseUrl
    .trim()
    .replace(/\/+$/, '')
    .replace(/\/api$/, '')
  try {
    new URL(base)
  } catch (error) {
    throw new ProviderError('bad_status', `invalid ollama base URL "${baseUrl}": ${String(error)}`)
  }
  return `${base}/api`
}

/**
 * Ollama puts its message in `error`; Ollama Cloud adds a sign-in link when the key is missing.
 * Clipped like every error body, so a proxy's HTML error page does not land in the snapshot.
 */
function ollamaErrorDetail(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as { error?: unknown; signin_url?: unknown } | null
    if (typeof json?.error === 'string') {
      return clipErrorBody(
        typeof json.signin_url === 'string' ? `${json.error} (signin: ${json.signin_url})` : json.error,
      )
    }
  } catch {
    // Not JSON: the raw body is the message.
  }
  return clipErrorBody(body) || undefined
}

export async function listOllamaModels(ctx: ListContext): Promise<Observation> {
  const api = ollamaApiBase(ctx.baseUrl)
  const request = { label: LABEL, headers: bearer(ctx.credential), errorDetail: ollamaErrorDetail }
  const tags = parseTags(await requestJson(ctx, joinUrl(api, 'tags'), request))
  if (tagsCarryCapabilities(tags)) {
    return { models: tags.map((tag) => observedFromTag(tag)), warnings: [] }
  }
  const models = []
  const warnings: string[] = []
  // Sequential on purpose: each backend holds one connection of the cycle's bounded budget.
  for (const tag of tags) {
    const model = tagModelName(tag)
    try {
      const show = await requestJson(ctx, joinUrl(api, 'show'), {
        ...request,
        method: 'POST',
        headers: { ...request.headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model }),
      })
      models.push(observedFromTag(tag, parseShow(show)))
    } catch (error) {
      if (ctx.signal.aborted) throw error
      warnings.push(`ollama /api/show for ${model} failed: ${(error as Error).message}`)
      models.push(observedFromTag(tag))
    }
  }
  return { models, warnings }
}
