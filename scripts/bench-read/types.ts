/** What the bench's modules pass between them. */
import type { runCycle } from './fleet'

/** One route as load-tested: what it sends and the one status every answer must have. */
export interface Route {
  name: string
  path: string
  headers?: Record<string, string>
  expect: 200 | 304
  /** Bytes of one answer's body (from the read before the runs). */
  bytes: number
  /** What that answer held (e.g. "100 backends"). */
  holds: string
}

export interface RunResult {
  n: number
  connections: number
  route: string
  path: string
  durationS: number
  /** Answered requests (any status). */
  requests: number
  rps: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Connection errors other than timeouts. */
  errors: number
  timeouts: number
  /** Sent but neither answered nor failed when the run stopped (not in p50/p99): about one per connection. */
  inFlightAtStop: number
  /** How long the oldest of those had waited (from its connection's previous answer, or the start). */
  oldestInFlightMs: number
  /** Connections that got at least one answer. */
  connectionsAnswered: number
  /** Answers whose status was not the route's `expect`, by status. */
  unexpected: Record<string, number>
  unexpectedCount: number
  /** The first unexpected answer: its status and the start of its body (what a status alone does not say). */
  unexpectedSample?: string
  /** How long a fresh GET /healthz took to answer right after the run; null: not within BENCH_READ_RECOVER_S. */
  healthzAfterMs: number | null
  /** When workerd went idle after that; null: not within BENCH_READ_SETTLE_S (then it was restarted). */
  idleAfterMs: number | null
  restarted: boolean
  workerdPeakRssMiB: number | null
  /** This (the measuring) process's worst event-loop delay during the run and the /healthz wait after it. */
  nodeLoopMaxMs: number
  /** Why the run stopped before BENCH_READ_DURATION_S, if it did. */
  stoppedEarly?: string
}

export interface CycleSummary {
  outcome: string
  error?: string
  durationMs: number
  backends: number
  byStatus: Record<string, number>
  kvWrites?: number
  snapshotWritten?: boolean
  /** The publish step's KV writes (puts + deletes) and time; absent from a Worker before it was reported. */
  publish?: { kvWrites: number; ms: number }
}

export type Cycle = Awaited<ReturnType<typeof runCycle>>
