import type { HealthRecord, ModelFactsMap, WindowSums } from '../db/declared'
import type { CycleSave, HealthSave } from '../db/health'
import type { BackendRecord, BackendRuntimeState } from '../published/types'
import { capabilityNames } from '../views/providers'
import { fleetEvents } from './fleet-events'
import { NEVER_PROBED, type ProbeEvent, type Thresholds, nextHealth, probeEvent } from './health-machine'
import {
  type ProbedState,
  type ServedModel,
  type Windows,
  deferredState,
  servesLastGood,
  settle,
  withLastAnswer,
} from './health'
import type { ProbeOutcome } from './merge'
import type { DeferReason } from './observation'
import {
  LATENCY_BUCKETS_MS,
  emptyHistogram,
  hourOf,
  latencyBucket,
  percentileMs,
  uptimeRatio,
  uptimeSample,
} from './windows'

/** One backend's probe this cycle, merged (mergeBackend), or not asked because of a Retry-After. */
export interface Probed {
  /** Its models with their published facts resolved (enrichModel). */
  probed: ProbedState<ServedModel>
  outcome: ProbeOutcome
  /** Set when it was not asked: until when it asked to be left alone. */
  deferredUntil: string | null
}

/** A backend this cycle did not check: it keeps what it was last published with. */
export interface Deferred {
  backend: BackendRecord
  reason: DeferReason
}

export interface SettleFleetInput {
  runId: string
  probes: Probed[]
  deferred: Deferred[]
  healthByBackend: ReadonlyMap<string, HealthRecord>
  windowsByBackend: ReadonlyMap<string, WindowSums>
  thresholds: Thresholds
  now: Date
  eventRetentionDays: number
  /**
   * What these backends were last published with: asked only for deferred backends and those that
   * serve their last good models this cycle.
   */
  loadPublished: (ids: string[]) => Promise<Map<string, BackendRuntimeState>>
}

/**
 * Applies each backend's history to this cycle's probes: the state machine, the last good list for
 * a failing backend, its windows with this probe counted in, the change feed, and everything
 * Postgres records for the next cycle.
 */
export async function settleFleet(
  input: SettleFleetInput,
): Promise<{ backends: BackendRuntimeState[]; save: CycleSave }> {
  const { now } = input
  const events = input.probes.map((p) => eventOf(p))
  const memories = input.probes.map((p, i) =>
    nextHealth(input.healthByBackend.get(p.probed.id) ?? NEVER_PROBED, events[i]!, input.thresholds),
  )
  const needsLastGood = input.probes.filter((p, i) => {
    const previous = input.healthByBackend.get(p.probed.id)
    return previous && Object.keys(previous.models).length > 0 && servesLastGood(memories[i]!.status!, events[i]!)
  })
  const servingLastGood = new Set(needsLastGood.map((p) => p.probed.id))
  // A backend waiting out its Retry-After keeps the error it was last published with (withLastAnswer).
  const waiting = input.probes.filter((p) => p.deferredUntil !== null)
  const published = await input.loadPublished([
    ...new Set([...needsLastGood, ...waiting].map((p) => p.probed.id)),
    ...input.deferred.map((d) => d.backend.id),
  ])

  const backends: BackendRuntimeState[] = []
  const health: HealthSave[] = []
  const observed = []
  for (const [i, p] of input.probes.entries()) {
    const id = p.probed.id
    const previous = input.healthByBackend.get(id)
    const event = events[i]!
    // The latency of a listing that really asked the backend; a cached list did not.
    const bucket = p.outcome.ok && !p.outcome.fromCache ? latencyBucket(p.outcome.latencyMs) : null
    const memory = memories[i]!
    // Whether this probe counts in the uptime windows, and as good or bad (see uptimeSample).
    const sample = uptimeSample(event, memory.status!)
    const settled = settle({
      probed: p.deferredUntil === null ? p.probed : withLastAnswer(p.probed, published.get(id)),
      event,
      previous,
      memory,
      lastGood: servingLastGood.has(id)
        ? published.get(id)?.pulledModels.map(({ firstSeenAt: _f, observedAt: _o, stale: _s, ...m }) => m)
        : undefined,
      windows: windowsOf(input.windowsByBackend.get(id), sample && { good: sample.good, bucket }),
      retryAfterUntil: p.deferredUntil ?? retryAfterUntil(p.outcome, now),
    })
    backends.push(settled.state)
    observed.push(settled.observed)
    health.push({
      backendId: id,
      name: p.probed.name,
      status: settled.memory.status!,
      consecutiveFailures: settled.memory.consecutiveFailures,
      consecutiveSuccesses: settled.memory.consecutiveSuccesses,
      lastSuccessAt: settled.state.lastSuccessAt,
      checkedAt: settled.state.checkedAt,
      retryAfterUntil: settled.state.retryAfterUntil ?? null,
      modelFacts: sameFacts(settled.facts, previous?.models) ? null : settled.facts,
      ...(sample ? { rollup: { good: sample.good, latencyBucket: bucket } } : {}),
    })
  }
  // A deferred backend keeps its last published state, and its history as it was: no health row,
  // rollup or event for it this cycle, so it is still the one checked longest ago next time.
  for (const { backend, reason } of input.deferred) {
    const state = deferredState({
      backend,
      published: published.get(backend.id),
      previous: input.healthByBackend.get(backend.id),
      windows: windowsOf(input.windowsByBackend.get(backend.id), undefined),
      reason,
    })
    if (state) backends.push(state)
  }
  // A health row is kept exactly while a backend is in the probed set (probed or deferred), so a
  // known backend that is neither left it this cycle: deleted, or out of every group. Its row goes
  // with the removal event, so the event is recorded once, and a return is recorded as added.
  const deferredIds = new Set(input.deferred.map((d) => d.backend.id))
  const known = new Map([...input.healthByBackend].filter(([id]) => !deferredIds.has(id)))
  const present = new Set([...input.probes.map((p) => p.probed.id), ...deferredIds])
  const removed = [...input.healthByBackend.keys()].filter((id) => !present.has(id))
  return {
    backends,
    save: {
      runId: input.runId,
      at: now.toISOString(),
      hour: hourOf(now).toISOString(),
      buckets: LATENCY_BUCKETS_MS.length + 1,
      health,
      events: fleetEvents(known, observed, capabilityNames),
      removed,
      eventRetentionDays: input.eventRetentionDays,
    },
  }
}

function eventOf(p: Probed): ProbeEvent {
  if (p.deferredUntil !== null) return 'deferred'
  return probeEvent(
    p.outcome.ok ? { ok: true, warned: p.probed.status === 'degraded' } : { ok: false, kind: p.outcome.error.kind },
  )
}

function retryAfterUntil(outcome: ProbeOutcome, now: Date): string | null {
  const ms = outcome.ok ? undefined : outcome.error.retryAfterMs
  return ms === undefined ? null : new Date(now.getTime() + ms).toISOString()
}

/** The windows from the stored rollups, with this cycle's probe (if the backend was asked) counted in. */
function windowsOf(sums: WindowSums | undefined, probe: { good: boolean; bucket: number | null } | undefined): Windows {
  const add = probe ? 1 : 0
  const good = probe?.good ? 1 : 0
  const histogram = sums?.latency24h.length ? [...sums.latency24h] : emptyHistogram()
  if (probe?.bucket !== null && probe?.bucket !== undefined)
    histogram[probe.bucket] = (histogram[probe.bucket] ?? 0) + 1
  const ratio = (window: '1h' | '24h' | '7d') =>
    uptimeRatio((sums?.probes[window] ?? 0) + add, (sums?.good[window] ?? 0) + good)
  return {
    uptime: { '1h': ratio('1h'), '24h': ratio('24h'), '7d': ratio('7d') },
    latency24h: { p50Ms: percentileMs(histogram, 0.5), p95Ms: percentileMs(histogram, 0.95) },
  }
}

/** Facts compare equal when every model has the same context, capabilities and first sighting. */
function sameFacts(a: ModelFactsMap, b: ModelFactsMap | undefined): boolean {
  if (!b) return false
  const ids = Object.keys(a)
  if (ids.length !== Object.keys(b).length) return false
  return ids.every((id) => {
    const [x, y] = [a[id]!, b[id]]
    return y !== undefined && x[0] === y[0] && x[1] === y[1] && x[2] === y[2]
  })
}
