import { ProviderError } from '../errors/provider-error'
import { type CachedModelList, ModelCache } from '../kv/model-cache'
import { credentialQuoter, credentialRedactor } from '../providers/redact'
import type { DetailCache, ProviderAdapter } from '../providers/types'
import type { BackendRecord } from '../published/types'
import { credentialFingerprint } from '../secrets'
import type { ResolvedCredential } from './credentials'
import type { ProbeOutcome } from './merge'
import { capModels, withoutCredentialEchoes } from './model-cap'

/** A model id quoting this many characters of the key in a row is an echo of it, not a model. */
const MODEL_ID_QUOTE_RUN = 12

export interface ProbeDeps {
  fetch: typeof fetch
  timeoutMs: number
  cache: ModelCache
  /** Cache entries read in bulk before probing, by backend id. */
  cached: ReadonlyMap<string, CachedModelList>
  /** A provider type's immutable per-model facts (see DetailCache). */
  detailCache: (type: string) => DetailCache
  now: () => Date
  /** MAX_RESPONSE_BYTES: the most bytes one provider response may have. */
  maxResponseBytes: number
  /** MAX_MODELS_PER_BACKEND: past it, the first N by id and a warning. */
  maxModelsPerBackend: number
  /**
   * SECRETS_KEY: keys the credential fingerprint (HMAC-SHA256) stored in cache entries; without
   * it the fingerprint is a plain SHA-256.
   */
  secretsKey?: string
}

export interface ProbeResult {
  outcome: ProbeOutcome
  cacheHit: boolean
  kvWrites: number
}

/**
 * Asks one backend for its models: from the model cache when the cached list was made with the
 * same credential and base URL, otherwise from the provider, within the probe deadline. Never
 * throws: every failure is the backend's own outcome.
 */
export async function probeBackend(
  backend: BackendRecord,
  type: string,
  adapter: ProviderAdapter,
  credential: ResolvedCredential,
  deps: ProbeDeps,
): Promise<ProbeResult> {
  if (credential.kind === 'error') return failed(new ProviderError('unconfigured', credential.message))
  if (credential.kind === 'none' && adapter.credential === 'required') {
    return failed(new ProviderError('unconfigured', adapter.missingCredentialMessage ?? 'API key not configured'))
  }
  const secret = credential.kind === 'value' ? credential.value : undefined
  const fingerprint = adapter.cacheable
    ? await credentialFingerprint({ type, baseUrl: backend.baseUrl, credential: secret }, deps.secretsKey)
    : undefined
  // Provider text (errors, warnings) may quote the key back: none of it leaves the probe unredacted.
  const redact = credentialRedactor(secret, [adapter.label, type])
  const quotesCredential = credentialQuoter(secret, MODEL_ID_QUOTE_RUN)
  const cached = deps.cached.get(backend.id)
  if (fingerprint && ModelCache.usable(cached, fingerprint)) {
    // A list cached before the cap was lowered is held to the current one.
    const capped = capModels(cached.models, deps.maxModelsPerBackend)
    const warnings = [...(cached.warnings ?? []), ...(capped.warning ? [capped.warning] : [])].map(redact)
    return {
      outcome: { ok: true, models: capped.models, warnings, fromCache: true, latencyMs: 0 },
      cacheHit: true,
      kvWrites: 0,
    }
  }

  const started = deps.now().getTime()
  const elapsed = () => Math.max(0, deps.now().getTime() - started)
  try {
    return await withDeadline(deps.timeoutMs, adapter.label, async (signal) => {
      const observation = await adapter.listModels({
        baseUrl: backend.baseUrl,
        credential: secret,
        fetch: deps.fetch,
        signal,
        deadlineAt: started + deps.timeoutMs,
        now: () => deps.now().getTime(),
        detailCache: deps.detailCache(type),
        maxResponseBytes: deps.maxResponseBytes,
      })
      const latencyMs = elapsed()
      const clean = withoutCredentialEchoes(observation.models, quotesCredential)
      const capped = capModels(clean.models, deps.maxModelsPerBackend)
      const listed = {
        models: capped.models,
        warnings: [...observation.warnings, clean.warning, capped.warning].filter((w) => w !== undefined).map(redact),
      }
      const warnings = [...listed.warnings]
      let kvWrites = 0
      if (fingerprint) {
        // The listing succeeded: a cache that cannot be written (KV over its daily write limit, or
        // the invocation's KV budget spent) only means the next cycle lists again. Logged, and the
        // backend's status is what its listing says.
        try {
          await deps.cache.put(backend.id, {
            fingerprint,
            observedAt: deps.now().toISOString(),
            models: listed.models,
            warnings: listed.warnings,
          })
          kvWrites = 1
        } catch (error) {
          console.warn(
            JSON.stringify({
              msg: 'model list cache not written',
              backendId: backend.id,
              error: redact(error instanceof Error ? error.message : String(error)),
            }),
          )
        }
      }
      return {
        outcome: { ok: true, models: listed.models, warnings, fromCache: false, latencyMs },
        cacheHit: false,
        kvWrites,
      }
    })
  } catch (error) {
    const failure = asProviderError(error, adapter.label)
    return failed(
      new ProviderError(failure.kind, redact(failure.message), {
        status: failure.status,
        ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
      }),
      elapsed(),
    )
  }
}

function failed(error: ProviderError, latencyMs = 0): ProbeResult {
  return { outcome: { ok: false, error, latencyMs }, cacheHit: false, kvWrites: 0 }
}

/**
 * Runs `work` with an abort signal and gives up at the deadline even if `work` ignores the
 * signal, so one hanging backend never holds the cycle past its timeout.
 */
async function withDeadline<T>(ms: number, label: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(new ProviderError('timeout', `${label} did not answer within ${ms} ms`))
    }, ms)
  })
  try {
    return await Promise.race([work(controller.signal), deadline])
  } finally {
    clearTimeout(timer)
  }
}

function asProviderError(error: unknown, label: string): ProviderError {
  if (error instanceof ProviderError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new ProviderError('internal', `${label} listing failed: ${message}`, { cause: error })
}
