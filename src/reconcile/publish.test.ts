import { describe, expect, it } from 'vitest'
import type { BackendRecord } from '../published/types'
import { deferralWarnings } from './publish'

const backend = (name: string): BackendRecord => ({
  id: `id-${name}`,
  name,
  baseUrl: 'http://127.0.0.1:1',
  type: 'vllm',
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
})

describe('deferralWarnings', () => {
  it('names the deferred backends once per reason, and counts past twenty', () => {
    const many = Array.from({ length: 23 }, (_, i) => ({
      backend: backend(`t${String(22 - i).padStart(2, '0')}`),
      reason: 'time' as const,
    }))
    const warnings = deferralWarnings([...many, { backend: backend('dl'), reason: 'dead-letter' }])
    expect(warnings).toEqual([
      `23 backends not checked this cycle: the cycle's time budget ran out: ${Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, '0')}`).join(', ')} and 3 more`,
      '1 backend not checked this cycle: its shard kept failing and went to the dead-letter queue: dl',
    ])
  })

  it('says nothing when every backend was checked', () => {
    expect(deferralWarnings([])).toEqual([])
  })
})
