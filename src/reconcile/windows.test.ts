import { describe, expect, it } from 'vitest'
import { BACKEND_STATUSES } from '../published/types'
import type { ProbeEvent } from './health-machine'
import {
  LATENCY_BUCKETS_MS,
  emptyHistogram,
  hourOf,
  latencyBucket,
  percentileMs,
  uptimeRatio,
  uptimeSample,
} from './windows'

describe('latency histogram', () => {
  it('puts a latency in the first bucket whose bound holds it, and past the last in the overflow', () => {
    expect(latencyBucket(0)).toBe(0)
    expect(latencyBucket(25)).toBe(0)
    expect(latencyBucket(26)).toBe(1)
    expect(latencyBucket(120)).toBe(LATENCY_BUCKETS_MS.indexOf(200))
    expect(latencyBucket(999_999)).toBe(LATENCY_BUCKETS_MS.length)
  })

  it('answers a percentile as the upper bound of its bucket, or null with no samples', () => {
    const h = emptyHistogram()
    expect(percentileMs(h, 0.5)).toBeNull()
    for (const ms of [10, 150, 150, 600]) h[latencyBucket(ms)]!++
    expect(percentileMs(h, 0.5)).toBe(200)
    expect(percentileMs(h, 0.95)).toBe(750)
    h[latencyBucket(60_000)]!++
    expect(percentileMs(h, 1)).toBe(30_000)
  })
})

describe('windows', () => {
  it('count a probe in its clock hour, and a share only when probes ran', () => {
    expect(hourOf(new Date('2026-11-20T10:59:59.999Z')).toISOString()).toBe('2026-11-20T10:00:00.000Z')
    expect(uptimeRatio(0, 0)).toBeNull()
    expect(uptimeRatio(5, 4)).toBe(0.8)
  })
})

describe('what a probe counts for in uptime', () => {
  it('counts a listing and a failure, good when the backend ended healthy or degraded', () => {
    expect(uptimeSample('ok', 'healthy')).toEqual({ good: true })
    expect(uptimeSample('warned', 'degraded')).toEqual({ good: true })
    expect(uptimeSample('ok', 'recovering')).toEqual({ good: false })
    expect(uptimeSample('failed', 'suspect')).toEqual({ good: false })
    expect(uptimeSample('failed', 'down')).toEqual({ good: false })
    expect(uptimeSample('auth', 'down')).toEqual({ good: false })
  })

  it('leaves out a probe that learnt nothing of how the backend is, whatever its status', () => {
    const uncounted: ProbeEvent[] = ['deferred', 'rate_limited', 'unconfigured', 'unsupported']
    for (const event of uncounted) {
      for (const status of BACKEND_STATUSES) expect(uptimeSample(event, status)).toBeUndefined()
    }
  })
})
