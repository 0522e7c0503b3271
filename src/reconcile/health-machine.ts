import type { ErrorKind } from '../errors/provider-error'
import type { BackendStatus } from '../published/types'

/**
 * A backend's health across cycles: a table of transitions, so that one failed probe does not
 * take a backend out of rotation and one good probe does not put a failing one back.
 *
 * - `FAIL_THRESHOLD` consecutive failed probes move a backend to `down`; before that it is
 *   `suspect` and keeps serving its last good models, marked stale.
 * - `RECOVER_THRESHOLD` consecutive good probes take a `down` backend back; before that it is
 *   `recovering`.
 * - `auth` fails at once (retrying cannot help), as do `unconfigured` and `unsupported`, which
 *   keep statuses of their own.
 * - `rate_limited` never counts toward `down`: the backend is up and busy, so it is `degraded`
 *   with its last models kept.
 */

/** What one cycle learned about a backend. */
export type ProbeEvent =
  /** Listed, nothing wrong. */
  | 'ok'
  /** Listed, but usable with problems (a model's details, no declared model served). */
  | 'warned'
  /** timeout, network, bad_status, bad_payload: counted toward the threshold. */
  | 'failed'
  /** Retrying cannot help. */
  | 'auth'
  | 'rate_limited'
  | 'unconfigured'
  | 'unsupported'
  /** Not asked this cycle: it said when to come back (Retry-After). */
  | 'deferred'

export interface HealthMemory {
  /** null: never probed. */
  status: BackendStatus | null
  consecutiveFailures: number
  consecutiveSuccesses: number
}

/** A backend no cycle has probed yet. */
export const NEVER_PROBED: HealthMemory = { status: null, consecutiveFailures: 0, consecutiveSuccesses: 0 }

export interface Thresholds {
  fail: number
  recover: number
}

/** A target that depends on a counter reaching its threshold. */
interface Counted {
  counter: 'failures' | 'successes'
  below: BackendStatus
  reached: BackendStatus
}

/** `same`: the status does not move. */
type Target = BackendStatus | Counted | 'same'

const failing: Counted = { counter: 'failures', below: 'suspect', reached: 'down' }
const rising = (reached: BackendStatus): Counted => ({ counter: 'successes', below: 'recovering', reached })

/** Answering at all, or listing, from a state that is serving: the good-path columns. */
const SERVING: Record<ProbeEvent, Target> = {
  ok: 'healthy',
  warned: 'degraded',
  failed: failing,
  auth: 'down',
  rate_limited: 'degraded',
  unconfigured: 'unconfigured',
  unsupported: 'unsupported',
  deferred: 'same',
}

/** From down or recovering, good probes must add up before the backend serves again. */
const RISING: Record<ProbeEvent, Target> = {
  ok: rising('healthy'),
  warned: rising('degraded'),
  failed: 'down',
  auth: 'down',
  rate_limited: 'same',
  unconfigured: 'unconfigured',
  unsupported: 'unsupported',
  deferred: 'same',
}

/** Every (status, event) pair: the whole machine. `new` is a backend never probed. */
export const TRANSITIONS: Record<BackendStatus | 'new', Record<ProbeEvent, Target>> = {
  new: SERVING,
  healthy: SERVING,
  degraded: SERVING,
  suspect: SERVING,
  down: RISING,
  recovering: RISING,
  // A configuration put right is a backend like a new one.
  unconfigured: SERVING,
  unsupported: SERVING,
}

/** The event for a probe's outcome. */
export function probeEvent(
  outcome: { ok: true; warned: boolean } | { ok: false; kind: ErrorKind } | { deferred: true },
): ProbeEvent {
  if ('deferred' in outcome) return 'deferred'
  if (outcome.ok) return outcome.warned ? 'warned' : 'ok'
  switch (outcome.kind) {
    case 'auth':
      return 'auth'
    case 'rate_limited':
      return 'rate_limited'
    case 'unconfigured':
      return 'unconfigured'
    case 'unsupported':
      return 'unsupported'
    default:
      return 'failed'
  }
}

/** The next memory after `event`, by the table. */
export function nextHealth(memory: HealthMemory, event: ProbeEvent, thresholds: Thresholds): HealthMemory {
  const target = TRANSITIONS[memory.status ?? 'new'][event]
  // Counters: failures count only counted failures, successes only good probes; `deferred` and
  // `rate_limited` leave both as they were.
  const failures =
    event === 'failed' || event === 'auth'
      ? memory.consecutiveFailures + 1
      : event === 'ok' || event === 'warned'
        ? 0
        : event === 'unconfigured' || event === 'unsupported'
          ? 0
          : memory.consecutiveFailures
  const successes =
    event === 'ok' || event === 'warned'
      ? memory.consecutiveSuccesses + 1
      : event === 'deferred' || event === 'rate_limited'
        ? memory.consecutiveSuccesses
        : 0
  const status =
    target === 'same'
      ? (memory.status ?? 'healthy')
      : typeof target === 'string'
        ? target
        : (target.counter === 'failures' ? failures >= thresholds.fail : successes >= thresholds.recover)
          ? target.reached
          : target.below
  return { status, consecutiveFailures: failures, consecutiveSuccesses: successes }
}
