import pMap from 'p-map'
import { configScope } from '../db/admin'
import type { DeclaredState } from '../db/declared'
import type { Env, Settings } from '../env'
import { ProviderError } from '../errors/provider-error'
import { KvDetailCache } from '../kv/detail-cache'
import { ModelCache } from '../kv/model-cache'
import { type BudgetResource, type InvocationBudget, budgetWatch } from '../platform/invocation-budget'
import { adapterFor } from '../providers'
import { resolveCredential } from './credentials'
import type { BackendWork } from './declared-sets'
import { UNSUPPORTED_POLICY, indexOverrides, mergeBackend } from './merge'
import type { DeferReason, Observation } from './observation'
import { probeBackend } from './probe'

export interface ObserveDeps {
  env: Env
  settings: Settings
  /** Counted against the invocation's budget. */
  kv: KVNamespace
  fetch: typeof fetch
  now: () => Date
  budget: InvocationBudget
  /** No probe starts at or after this (ms since the epoch). */
  deadlineMs: number
}

export interface Observed {
  observations: Observation[]
  cacheHits: number
  kvWrites: number
}

const DEFERRED_BY: Record<BudgetResource, DeferReason> = { subrequests: 'subrequests', kvOps: 'kvOps' }

/**
 * Probes these backends (the whole fleet, or one shard of it) within PROBE_CONCURRENCY, the
 * cycle's deadline and the invocation's budgets, checked longest ago first, and merges each
 * answer with its declared models. A backend that cannot start before the deadline, or whose
 * probe would take the invocation past a budget, is deferred: never failed.
 */
export async function observeBackends(
  declared: DeclaredState,
  work: BackendWork[],
  deps: ObserveDeps,
): Promise<Observed> {
  const cache = new ModelCache(deps.kv, deps.settings.PROVIDER_CACHE_TTL_S)
  const configs = new Map(declared.providerConfigs.map((c) => [configScope(c.type, c.backendId), c]))
  const overrides = indexOverrides(declared.overrides)
  const found = work.map((w) => ({ ...w, found: adapterFor(w.backend.type) }))
  const ordered = checkedLongestAgoFirst(found, declared)
  const cacheable = ordered.filter(({ found }) => found?.adapter.cacheable)
  const cached = await cache.getMany(cacheable.map(({ backend }) => backend.id))
  const checkedAt = deps.now().toISOString()
  const detailCaches: KvDetailCache[] = []

  const nowMs = deps.now().getTime()
  /** Until when a backend asked not to be asked (Retry-After), if that is still ahead. */
  const retryAfter = (id: string) => {
    const until = declared.healthByBackend.get(id)?.retryAfterUntil
    return until && Date.parse(until) > nowMs ? until : null
  }
  const result: Observed = { observations: [], cacheHits: 0, kvWrites: 0 }
  const observations = await pMap(
    ordered,
    async ({ backend, declared: declaredModels, found }): Promise<Observation> => {
      const deferred = (reason: DeferReason): Observation => ({ backendId: backend.id, kind: 'deferred', reason })
      if (deps.now().getTime() >= deps.deadlineMs) return deferred('time')
      const until = retryAfter(backend.id)
      let outcome
      if (until) {
        const label = found?.adapter.label ?? backend.type
        const error = new ProviderError('rate_limited', `${label}: not asked before ${until}, as its Retry-After asked`)
        outcome = { ok: false as const, error, latencyMs: 0 }
      } else if (!found) {
        const error = new ProviderError('unsupported', `Unsupported backend type: ${backend.type}`)
        outcome = { ok: false as const, error, latencyMs: 0 }
      } else {
        if (deps.budget.remaining('subrequests') === 0) return deferred('subrequests')
        if (found.adapter.cacheable && deps.budget.remaining('kvOps') === 0) return deferred('kvOps')
        const watch = budgetWatch()
        const config = configs.get(configScope(found.type, backend.id)) ?? configs.get(found.type)
        const credential = await resolveCredential(config, deps.env, {
          baseUrl: backend.baseUrl,
          officialHosts: found.adapter.officialHosts,
        })
        const kv = watch.kv(deps.kv)
        const probed = await probeBackend(backend, found.type, found.adapter, credential, {
          fetch: watch.fetch(deps.fetch),
          timeoutMs: deps.settings.PROBE_TIMEOUT_MS,
          cache,
          cached,
          now: deps.now,
          detailCache: (type) => {
            const detailCache = new KvDetailCache(kv, type)
            detailCaches.push(detailCache)
            return detailCache
          },
          maxResponseBytes: deps.settings.MAX_RESPONSE_BYTES,
          maxModelsPerBackend: deps.settings.MAX_MODELS_PER_BACKEND,
          secretsKey: deps.env.SECRETS_KEY,
        })
        const exhausted = watch.exhausted()
        if (exhausted) return deferred(DEFERRED_BY[exhausted])
        if (probed.cacheHit) result.cacheHits++
        result.kvWrites += probed.kvWrites
        outcome = probed.outcome
      }
      const merged = mergeBackend({
        backend,
        type: found?.type ?? backend.type,
        adapter: found?.adapter ?? UNSUPPORTED_POLICY,
        declared: declaredModels,
        outcome,
        previous: declared.healthByBackend.get(backend.id),
        overrides,
        autoDiscover: deps.settings.AUTO_DISCOVER,
        checkedAt,
      })
      return {
        backendId: backend.id,
        kind: 'probed',
        probed: merged.state,
        outcome,
        deferredUntil: until,
        learnedContexts: merged.learnedContexts,
        cacheHit: outcome.ok && outcome.fromCache,
      }
    },
    { concurrency: deps.settings.PROBE_CONCURRENCY },
  )
  for (const detailCache of detailCaches) result.kvWrites += detailCache.writes
  result.observations = observations
  return result
}

/** Never-checked backends first, then by when they were last checked: a deferred one goes first next time. */
function checkedLongestAgoFirst<T extends { backend: { id: string } }>(work: T[], declared: DeclaredState): T[] {
  const checkedAt = (w: T) => {
    const at = declared.healthByBackend.get(w.backend.id)?.checkedAt
    return at ? Date.parse(at) : -Infinity
  }
  return work
    .map((w, i) => ({ w, i, at: checkedAt(w) }))
    .sort((a, b) => (a.at === b.at ? a.i - b.i : a.at - b.at))
    .map(({ w }) => w)
}
