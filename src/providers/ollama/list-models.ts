import { ProviderError } from '../../errors/provider-error'
import { bearer, clipErrorBody, joinUrl, requestJson } from '../http'
import type { ListContext, Observation } from '../types'
import { type OllamaShow, observedFromTag, parseShow, parseTags, tagModelName, tagsCarryCapabilities } from './parse'

const LABEL = 'ollama API'

/** Accepts both `http://h:11434` and `https://ollama.com/api` (a local daemon, or Ollama's hosted API). */
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

/** Per-model problems listed one by one; past this many, a count. */
const MAX_LISTED_FAILURES = 5

/** Time kept back from the deadline, so details left unread never cost the whole listing. */
const DEADLINE_MARGIN_MS = 1_000

export async function listOllamaModels(ctx: ListContext): Promise<Observation> {
  const api = ollamaApiBase(ctx.baseUrl)
  const request = { label: LABEL, headers: bearer(ctx.credential), errorDetail: ollamaErrorDetail }
  const tags = parseTags(await requestJson(ctx, joinUrl(api, 'tags'), request))
  if (tagsCarryCapabilities(tags)) {
    return { models: tags.map((tag) => observedFromTag(tag)), warnings: [] }
  }
  // Before Ollama 0.30 details take one /api/show per model. A digest names immutable model
  // content, so its answer is kept and asked for once, not every cycle.
  const digests = tags.map((tag) => tag.digest).filter((d): d is string => Boolean(d))
  const known = await ctx.detailCache.getMany(digests)
  const margin = Math.min(DEADLINE_MARGIN_MS, (ctx.deadlineAt - ctx.now()) / 5)
  const models = []
  const warnings: string[] = []
  // One line per failure would let a backend with thousands of models fill the snapshot.
  const failures: string[] = []
  let unread = 0
  // Sequential on purpose: each backend holds one connection of the cycle's bounded budget.
  for (const tag of tags) {
    const model = tagModelName(tag)
    const cached = tag.digest ? known.get(tag.digest) : undefined
    if (cached) {
      models.push(observedFromTag(tag, parseShow(cached)))
      continue
    }
    const timeLeft = ctx.deadlineAt - margin - ctx.now()
    if (timeLeft <= 0) {
      unread++
      models.push(observedFromTag(tag))
      continue
    }
    // Only this call is cut short: the listing itself still answers before the probe deadline.
    const signal = Number.isFinite(timeLeft) ? AbortSignal.any([ctx.signal, AbortSignal.timeout(timeLeft)]) : ctx.signal
    let show: OllamaShow
    try {
      show = parseShow(
        await requestJson({ ...ctx, signal }, joinUrl(api, 'show'), {
          ...request,
          method: 'POST',
          headers: { ...request.headers, 'Content-Type': 'application/json' },
          body: JSON.stringify({ model }),
        }),
      )
    } catch (error) {
      if (ctx.signal.aborted) throw error
      failures.push(`ollama /api/show for ${model} failed: ${(error as Error).message}`)
      models.push(observedFromTag(tag))
      continue
    }
    models.push(observedFromTag(tag, show))
    if (tag.digest) {
      await ctx.detailCache.put(tag.digest, showFacts(show)).catch((error: unknown) => {
        failures.push(`ollama details of ${model} not cached: ${(error as Error).message}`)
      })
    }
  }
  warnings.push(...failures.slice(0, MAX_LISTED_FAILURES))
  if (failures.length > MAX_LISTED_FAILURES) {
    warnings.push(`… and ${failures.length - MAX_LISTED_FAILURES} more /api/show problem(s) like these`)
  }
  if (unread > 0) {
    warnings.push(`ollama /api/show not asked for ${unread} model(s) before the probe deadline; later cycles will`)
  }
  return { models, warnings }
}

/** What of /api/show the listing uses: capabilities and the context keys (model_info can be large). */
function showFacts(show: OllamaShow): OllamaShow {
  const info = show.model_info ?? {}
  const kept = Object.entries(info).filter(([key]) => key === 'general.architecture' || key.endsWith('.context_length'))
  return {
    capabilities: show.capabilities ?? [],
    model_info: Object.fromEntries(kept),
  }
}
