import { describe, expect, it } from 'vitest'
import { LATENCY_BUCKETS_MS, emptyHistogram, hourOf, latencyBucket, percentileMs, uptimeRatio } from './windows'

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
