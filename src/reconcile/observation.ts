import { ProviderError } from '../errors/provider-error'
import type { ProbedState } from './health'
import type { ProbeOutcome } from './merge'

/** Why a backend was not checked this cycle. */
export type DeferReason = 'time' | 'subrequests' | 'kvOps' | 'deadline' | 'dead-letter'

const DEFER_REASONS: Record<DeferReason, string> = {
  time: "the cycle's time budget ran out",
  subrequests: "the invocation's subrequest budget ran out",
  kvOps: "the invocation's KV operations budget ran out",
  deadline: "its shard did not come in before the cycle's deadline",
  'dead-letter': 'its shard kept failing and went to the dead-letter queue',
}

const DEFERRAL_PREFIX = 'not checked this cycle: '

/** The warning a deferred backend is published with. */
export const deferralWarning = (reason: DeferReason) => `${DEFERRAL_PREFIX}${DEFER_REASONS[reason]}`

/** A warning an earlier deferral left, replaced by this cycle's. */
export const isDeferralWarning = (warning: string) => warning.startsWith(DEFERRAL_PREFIX)

/**
 * What one cycle learned of one backend: its probe merged with its declared models, or why it was
 * not probed. A fanned-out cycle keeps these in Postgres between its invocations.
 */
export type Observation =
  | {
      backendId: string
      kind: 'probed'
      probed: ProbedState
      outcome: ProbeOutcome
      /** Set when it was not asked because of its Retry-After: until when. */
      deferredUntil: string | null
      learnedContexts: { id: string; contextLength: number }[]
      cacheHit: boolean
    }
  | { backendId: string; kind: 'deferred'; reason: DeferReason }

/** The JSON an observation is stored as: the error as plain fields, and no models twice. */
export function storedObservation(observation: Observation): unknown {
  if (observation.kind === 'deferred') return observation
  const { outcome } = observation
  return {
    ...observation,
    outcome: outcome.ok
      ? { ...outcome, models: [] }
      : {
          ok: false,
          latencyMs: outcome.latencyMs,
          error: {
            kind: outcome.error.kind,
            message: outcome.error.message,
            ...(outcome.error.status !== undefined ? { status: outcome.error.status } : {}),
            ...(outcome.error.retryAfterMs !== undefined ? { retryAfterMs: outcome.error.retryAfterMs } : {}),
          },
        },
  }
}

/** An observation read back from storedObservation's JSON. */
export function revivedObservation(stored: unknown): Observation {
  const observation = stored as Observation
  if (observation.kind === 'deferred' || observation.outcome.ok) return observation
  const error = observation.outcome.error as unknown as Pick<
    ProviderError,
    'kind' | 'message' | 'status' | 'retryAfterMs'
  >
  return {
    ...observation,
    outcome: {
      ok: false,
      latencyMs: observation.outcome.latencyMs,
      error: new ProviderError(error.kind, error.message, {
        ...(error.status !== undefined ? { status: error.status } : {}),
        ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
      }),
    },
  }
}
