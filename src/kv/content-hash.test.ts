import { describe, expect, it } from 'vitest'
import { backendState, servedModel } from '../../test/support/published'
import type { BackendRuntimeState } from '../published/types'
import { normalizeMessage, snapshotContentHash } from './content-hash'

function down(error: string, overrides: Partial<BackendRuntimeState> = {}): BackendRuntimeState {
  return backendState('b1', {
    name: 'vllm-a',
    status: 'down',
    error,
    errorKind: 'bad_status',
    lastSuccessAt: null,
    consecutiveFailures: 1,
    ...overrides,
  })
}

describe('normalizeMessage', () => {
  it('masks request ids, uuids, durations and numbers', () => {
    expect(normalizeMessage('vLLM catalog returned 500: overloaded (request_id req_8f3a9c01b2)')).toBe(
      'vLLM catalog returned 500: overloaded (request_id <id>)',
    )
    expect(normalizeMessage('trace 0b5e5a8e-1c1f-4a4e-9a59-2d3f2f9c7e11 failed')).toBe('trace <id> failed')
    expect(normalizeMessage('vLLM did not answer within 1500 ms')).toBe('vLLM did not answer within <duration>')
  })

  it('keeps the words that say what went wrong', () => {
    expect(normalizeMessage('OpenAI catalog returned 401: Incorrect API key provided')).toBe(
      'OpenAI catalog returned 401: Incorrect API key provided',
    )
  })
})

describe('snapshotContentHash', () => {
  it('is the same for one failure told with another request id, time or count', async () => {
    const a = await snapshotContentHash({ backends: [down('returned 503: busy (request_id abc123def456)')] })
    const b = await snapshotContentHash({
      backends: [
        down('returned 503: busy (request_id 99ffee0011aa)', {
          checkedAt: '2026-11-27T12:05:00.000Z',
          consecutiveFailures: 2,
          latencyMs: 9,
        }),
      ],
    })
    expect(a).toBe(b)
  })

  it('changes with the error kind, the status or what the error says', async () => {
    const base = await snapshotContentHash({ backends: [down('returned 503: busy')] })
    expect(await snapshotContentHash({ backends: [down('returned 503: busy', { errorKind: 'network' })] })).not.toBe(
      base,
    )
    expect(await snapshotContentHash({ backends: [down('returned 503: busy', { status: 'degraded' })] })).not.toBe(base)
    expect(await snapshotContentHash({ backends: [down('returned 503: maintenance')] })).not.toBe(base)
    expect(await snapshotContentHash({ backends: [down('returned 404: busy')] })).not.toBe(base)
  })
})

describe('snapshotContentHash and the moving values', () => {
  it('is the same when only the moving values moved, and changes when a state gains a field', async () => {
    const at = (time: string, extra: Partial<BackendRuntimeState> = {}) =>
      backendState('b1', {
        checkedAt: time,
        lastSuccessAt: time,
        uptime: { '1h': time.length / 100, '24h': 1, '7d': 1 },
        pulledModels: [servedModel('m1', { observedAt: time })],
        ...extra,
      })
    const base = await snapshotContentHash({ backends: [at('2026-12-01T00:00:00.000Z')] })
    expect(await snapshotContentHash({ backends: [at('2026-12-01T00:05:00.000Z')] })).toBe(base)
    const waiting = at('2026-12-01T00:05:00.000Z', { retryAfterUntil: '2026-12-01T00:10:00.000Z' })
    expect(await snapshotContentHash({ backends: [waiting] })).not.toBe(base)
  })
})
