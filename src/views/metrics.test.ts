import { describe, expect, it } from 'vitest'
import { escapeLabelValue, renderMetrics } from './metrics'

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
