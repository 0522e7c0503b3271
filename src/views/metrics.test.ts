import { describe, expect, it } from 'vitest'
import {
  type MetricsView,
  cycleOnly,
  escapeLabelValue,
  lastCycle,
  lastSuccesses,
  renderMetrics,
  withLastCycle,
} from './metrics'

describe('Prometheus text', () => {
  it('escapes backslash, double quote and line feed in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd')
  })

  it('renders each backend with every status as 0 or 1, and leaves out values it does not have', () => {
    const text = renderMetrics(
      {
        backends: [
          {
            id: 'b1',
            name: 'x',
            type: 'vllm',
            status: 'suspect',
            models: 2,
            uptime24h: null,
            latencyP95Ms: 750,
            lastSuccessAt: '2026-12-01T00:00:00.000Z',
          },
        ],
        cycle: { startedAt: '2026-12-01T00:00:00.000Z', durationMs: 1500, outcome: 'ok' },
        publishedAt: '2026-12-01T00:00:02.000Z',
      },
      new Date('2026-12-01T00:01:00.000Z'),
    )
    expect(text).toContain('runtimestate_backend_status{backend_id="b1",backend="x",type="vllm",status="suspect"} 1')
    expect(text).toContain('runtimestate_backend_status{backend_id="b1",backend="x",type="vllm",status="healthy"} 0')
    expect(text).not.toContain('runtimestate_backend_uptime_ratio{')
    expect(text).toContain('runtimestate_backend_latency_p95_seconds{backend_id="b1",backend="x",type="vllm"} 0.75')
    expect(text).toContain('runtimestate_backend_last_success_age_seconds{backend_id="b1",backend="x",type="vllm"} 60')
    expect(text).toContain('runtimestate_cycle_duration_seconds 1.5')
    expect(text).toContain('runtimestate_snapshot_age_seconds 58')
    expect(text.endsWith('\n')).toBe(true)
  })
})

describe('the last cycle, when it published no version', () => {
  const published: MetricsView = {
    backends: [
      {
        id: 'b1',
        name: 'x',
        type: 'vllm',
        status: 'healthy',
        models: 1,
        uptime24h: 1,
        latencyP95Ms: 25,
        lastSuccessAt: T(0),
      },
      {
        id: 'b2',
        name: 'y',
        type: 'vllm',
        status: 'down',
        models: 0,
        uptime24h: 0,
        latencyP95Ms: null,
        lastSuccessAt: null,
      },
    ],
    cycle: { startedAt: T(0), durationMs: 900, outcome: 'ok', deferred: 0 },
    publishedAt: T(1),
  }
  const end = { startedAt: T(300), durationMs: 1200, deferred: 0, snapshotWritten: false }

  it('is kept by a failed cycle and a quiet one, not by a skipped one or one that published', () => {
    expect(lastCycle({ ...end, outcome: 'failed' })).toEqual({
      cycle: { startedAt: T(300), durationMs: 1200, outcome: 'failed', deferred: 0 },
      lastSuccessAt: {},
    })
    expect(lastCycle({ ...end, outcome: 'ok' }, { b1: T(300) })?.lastSuccessAt).toEqual({ b1: T(300) })
    expect(lastCycle({ ...end, outcome: 'failed', snapshotWritten: true })?.cycle.outcome).toBe('failed')
    expect(lastCycle({ ...end, outcome: 'skipped' })).toBeNull()
    expect(lastCycle({ ...end, outcome: 'ok', snapshotWritten: true })).toBeNull()
    expect(
      lastSuccesses([
        { id: 'b1', lastSuccessAt: T(300) },
        { id: 'b2', lastSuccessAt: null },
      ]),
    ).toEqual({
      b1: T(300),
    })
  })

  it('brings the published figures up to it: its outcome and each later success', () => {
    const failed = lastCycle({ ...end, outcome: 'failed' })
    const text = renderMetrics(withLastCycle(published, failed), new Date(T(310)))
    expect(text).toContain('runtimestate_cycle_success 0')
    expect(text).toContain(`runtimestate_cycle_start_timestamp_seconds ${Date.parse(T(300)) / 1000}`)
    // A cycle that failed before probing knows no success later than the published one.
    expect(text).toContain('runtimestate_backend_last_success_age_seconds{backend_id="b1",backend="x",type="vllm"} 310')

    const quiet = withLastCycle(published, lastCycle({ ...end, outcome: 'ok' }, { b1: T(300) }))
    expect(quiet.cycle).toEqual({ startedAt: T(300), durationMs: 1200, outcome: 'ok', deferred: 0 })
    expect(quiet.backends.map((b) => b.lastSuccessAt)).toEqual([T(300), null])
    // Statuses and windows stay as published.
    expect(quiet.backends.map((b) => [b.status, b.uptime24h])).toEqual([
      ['healthy', 1],
      ['down', 0],
    ])
  })

  it('is ignored when a later version was published, and never moves a success back', () => {
    const older = lastCycle({ ...end, startedAt: T(-300), outcome: 'failed' }, { b1: T(-300) })
    expect(withLastCycle(published, older)).toBe(published)
    const sameCycle = lastCycle({ ...end, startedAt: T(0), outcome: 'failed', snapshotWritten: true }, { b1: T(-60) })
    const failedAfterPublishing = withLastCycle(published, sameCycle)
    expect(failedAfterPublishing.cycle.outcome).toBe('failed')
    expect(failedAfterPublishing.backends[0]!.lastSuccessAt).toBe(T(0))
    expect(withLastCycle(published, null)).toBe(published)
  })

  it('is all there is to say before any snapshot: no backend, no snapshot age', () => {
    const text = renderMetrics(cycleOnly(lastCycle({ ...end, outcome: 'failed' })!), new Date(T(310)))
    expect(text).toContain('runtimestate_cycle_success 0')
    expect(text).not.toContain('runtimestate_snapshot_age_seconds')
    expect(text).not.toMatch(/^runtimestate_backend_\w+\{/m)
  })
})

/** `seconds` after 2026-12-01T00:00:00Z. */
function T(seconds: number): string {
  return new Date(Date.parse('2026-12-01T00:00:00.000Z') + seconds * 1000).toISOString()
}
