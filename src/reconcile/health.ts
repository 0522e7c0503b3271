import type { HealthRecord, ModelFactsMap } from '../db/declared'
import type { Claims } from '../catalog/claims'
import type {
  BackendRecord,
  BackendRuntimeState,
  BackendStatus,
  ModelCatalogFacts,
  ModelPullStatus,
} from '../published/types'
import { capabilityMask } from '../views/providers'
import type { ObservedBackend } from './fleet-events'
import type { HealthMemory, ProbeEvent } from './health-machine'
import { type DeferReason, deferralWarning, isDeferralWarning } from './observation'

/**
 * One backend's probe result settled against its history: the status the state machine gives it,
 * the models it serves (this cycle's list, its last good list marked stale, or none), and what
 * Postgres must remember for the next cycle. Pure.
 */

/**
 * A model as a listing and the declarations give it, before the catalog: its flat facts, and each
 * fact as claims with their sources (see src/catalog/claims.ts).
 */
export type ListedModel = Omit<ModelPullStatus, 'firstSeenAt' | 'observedAt' | 'stale' | keyof ModelCatalogFacts> & {
  claims?: Claims
  /** A declared model's `provider/model` in the catalog: the only way a self-hosted model is matched. */
  catalogId?: string
}

/** A model with its published facts resolved (src/catalog/enrich.ts), before it is dated. */
export type ServedModel = Omit<ModelPullStatus, 'firstSeenAt' | 'observedAt' | 'stale'>

/** One probe's view of a backend (mergeBackend), before history and windows are applied. */
export type ProbedState<M = ListedModel> = Omit<BackendRuntimeState, 'pulledModels' | 'uptime' | 'latency24h'> & {
  pulledModels: M[]
}

export interface Windows {
  uptime: BackendRuntimeState['uptime']
  latency24h: BackendRuntimeState['latency24h']
}

export interface SettleInput {
  probed: ProbedState<ServedModel>
  event: ProbeEvent
  previous: HealthRecord | undefined
  /** The state machine's memory after `event` (nextHealth). */
  memory: HealthMemory
  /** The last good list, when the backend serves it (see servesLastGood); loaded only then. */
  lastGood: ServedModel[] | undefined
  windows: Windows
  /** Until when it is not asked again (a Retry-After), if at all. */
  retryAfterUntil: string | null
}

export interface Settled {
  state: BackendRuntimeState
  memory: HealthMemory
  /** The facts of the models it serves now (unchanged unless its list was read). */
  facts: ModelFactsMap
  /** The change feed's view of it. */
  observed: ObservedBackend
}

/** Whether a backend in `status` after `event` serves its last good list, marked stale. */
export function servesLastGood(status: BackendStatus, event: ProbeEvent): boolean {
  if (event === 'ok' || event === 'warned') return false
  return status === 'suspect' || (status === 'degraded' && (event === 'rate_limited' || event === 'deferred'))
}

export const modelId = (model: { model: string; name: string }) => model.model || model.name

/**
 * A backend not asked this cycle because of its Retry-After still stands on its last answer: the
 * error it was last published with (the provider's own message and kind), not a wording of the
 * wait, which would read as a change and rewrite the snapshot for nothing. `retryAfterUntil` says
 * when it is asked again. With nothing published to keep, the wait's own wording stays.
 */
export function withLastAnswer<M>(
  probed: ProbedState<M>,
  published: Pick<BackendRuntimeState, 'error' | 'errorKind'> | undefined,
): ProbedState<M> {
  if (published?.error === undefined || published.errorKind === undefined) return probed
  return { ...probed, error: published.error, errorKind: published.errorKind }
}

export function settle(input: SettleInput): Settled {
  const { probed, event, previous, memory } = input
  const listed = event === 'ok' || event === 'warned'
  const known = previous?.models ?? {}
  const firstSeen = (id: string) => new Date(known[id]?.[2] ?? Date.parse(probed.checkedAt)).toISOString()
  let pulledModels: ModelPullStatus[] = []
  let facts = known
  if (listed) {
    const observedAt = probed.lastSuccessAt ?? probed.checkedAt
    pulledModels = probed.pulledModels.map((m) => ({
      ...m,
      firstSeenAt: firstSeen(modelId(m)),
      observedAt,
      stale: false,
    }))
    facts = factsOf(pulledModels)
  } else if (servesLastGood(memory.status!, event) && input.lastGood) {
    const observedAt = previous?.lastSuccessAt ?? probed.checkedAt
    pulledModels = input.lastGood.map((m) => ({ ...m, firstSeenAt: firstSeen(modelId(m)), observedAt, stale: true }))
  }
  const state: BackendRuntimeState = {
    ...probed,
    status: memory.status!,
    models: [...new Set(pulledModels.map(modelId))].sort(),
    pulledModels,
    consecutiveFailures: memory.consecutiveFailures,
    uptime: input.windows.uptime,
    latency24h: input.windows.latency24h,
    ...(input.retryAfterUntil ? { retryAfterUntil: input.retryAfterUntil } : {}),
  }
  return {
    state,
    memory,
    facts,
    observed: {
      id: state.id,
      name: state.name,
      status: state.status,
      ...(state.errorKind ? { errorKind: state.errorKind } : {}),
      listed,
      models: facts,
    },
  }
}

/**
 * A backend not checked this cycle: its last published state (or, when KV cannot give it back,
 * what Postgres remembers), its models marked stale, a warning saying why, and the windows as they
 * stand. A backend never checked and never published has nothing to keep: undefined.
 */
export function deferredState(input: {
  backend: BackendRecord
  published: BackendRuntimeState | undefined
  previous: HealthRecord | undefined
  windows: Windows
  reason: DeferReason
}): BackendRuntimeState | undefined {
  const { backend, published, previous, windows } = input
  const warnings = [...(published?.warnings ?? []).filter((w) => !isDeferralWarning(w)), deferralWarning(input.reason)]
  if (published) {
    return {
      ...published,
      id: backend.id,
      name: backend.name,
      backend,
      pulledModels: published.pulledModels.map((m) => ({ ...m, stale: true })),
      warnings,
      uptime: windows.uptime,
      latency24h: windows.latency24h,
    }
  }
  if (!previous?.status || !previous.checkedAt) return undefined
  return {
    id: backend.id,
    name: backend.name,
    models: [],
    pulledModels: [],
    backend,
    status: previous.status,
    warnings,
    checkedAt: previous.checkedAt,
    lastSuccessAt: previous.lastSuccessAt,
    consecutiveFailures: previous.consecutiveFailures,
    latencyMs: 0,
    uptime: windows.uptime,
    latency24h: windows.latency24h,
    ...(previous.retryAfterUntil ? { retryAfterUntil: previous.retryAfterUntil } : {}),
  }
}

function factsOf(models: readonly ModelPullStatus[]): ModelFactsMap {
  const facts: ModelFactsMap = {}
  for (const model of models) {
    facts[modelId(model)] = [model.contextLength, capabilityMask(model), Date.parse(model.firstSeenAt)]
  }
  return facts
}
