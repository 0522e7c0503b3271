import type { BackendStatus } from '../published/types'
import type { ProbeEvent } from './health-machine'

/**
 * Uptime and latency over windows of whole clock hours, from hourly rollups: per backend and hour,
 * how many probes ran, how many ended healthy or degraded, and a histogram of the latencies of the
 * probes that really asked the backend (not cache hits).
 */

/** Upper bounds (ms) of the latency histogram's buckets; one more bucket holds everything above. */
export const LATENCY_BUCKETS_MS = [25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2500, 5000, 10000, 30000] as const

/** The bucket a latency falls in. */
export function latencyBucket(ms: number): number {
  const index = LATENCY_BUCKETS_MS.findIndex((bound) => ms <= bound)
  return index === -1 ? LATENCY_BUCKETS_MS.length : index
}

export function emptyHistogram(): number[] {
  return Array.from({ length: LATENCY_BUCKETS_MS.length + 1 }, () => 0)
}

/**
 * The p-quantile (0 < p ≤ 1) of a histogram, as the upper bound of the bucket it falls in (the
 * overflow bucket answers the largest bound): a latency no faster than the truth. null when empty.
 */
export function percentileMs(histogram: readonly number[], p: number): number | null {
  const total = histogram.reduce((n, c) => n + c, 0)
  if (total === 0) return null
  const rank = Math.ceil(p * total)
  let seen = 0
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!
    if (seen >= rank) return LATENCY_BUCKETS_MS[Math.min(i, LATENCY_BUCKETS_MS.length - 1)]!
  }
  return LATENCY_BUCKETS_MS.at(-1)!
}

/**
 * How one cycle's probe counts in the uptime windows: good, bad, or not at all. A probe counts when
 * the backend told how it is: it listed (good when the backend ended healthy or degraded, so a
 * listing while it is still recovering is not yet good), or it failed. A probe that learnt nothing
 * of that does not count: a backend not asked because of its Retry-After, one that answered 429
 * (it limits how often we may ask, which says nothing of whether it serves), and one that could
 * not be asked at all (no key, or a type without an adapter). A backend with no counted probe in
 * a window has no uptime there (null), as a backend never probed.
 */
export function uptimeSample(event: ProbeEvent, status: BackendStatus): { good: boolean } | undefined {
  switch (event) {
    case 'deferred':
    case 'rate_limited':
    case 'unconfigured':
    case 'unsupported':
      return undefined
    default:
      return { good: status === 'healthy' || status === 'degraded' }
  }
}

/** The share of good probes, or null when there were none. */
export function uptimeRatio(probes: number, good: number): number | null {
  return probes === 0 ? null : good / probes
}

/** The start of the clock hour of `at`, the rollup a probe at that time counts in. */
export function hourOf(at: Date): Date {
  const hour = new Date(at)
  hour.setUTCMinutes(0, 0, 0)
  return hour
}

/** One hour of a backend's history, as GET /state/:id?history=24h answers it. */
export function hourlyPoint(rollup: { hour: string; probes: number; good: number; latency: number[] }) {
  return {
    hour: rollup.hour,
    probes: rollup.probes,
    good: rollup.good,
    uptime: uptimeRatio(rollup.probes, rollup.good),
    latencyP50Ms: percentileMs(rollup.latency, 0.5),
    latencyP95Ms: percentileMs(rollup.latency, 0.95),
  }
}
