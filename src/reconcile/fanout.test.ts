import { describe, expect, it } from 'vitest'
import { sendBatches } from './fanout'

const shard = (backends: number) => ({
  body: {
    kind: 'shard' as const,
    runId: 'r',
    deadline: '2026-12-08T00:00:00.000Z',
    backendIds: Array(backends).fill('x'.repeat(36)),
  },
})

describe('sendBatches', () => {
  it('keeps each sendBatch within 100 messages', () => {
    const batches = sendBatches(Array.from({ length: 250 }, () => shard(1)))
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50])
  })

  it('keeps each sendBatch well within 256 KB of bodies, however large the shards', () => {
    const messages = Array.from({ length: 100 }, () => shard(1000))
    const batches = sendBatches(messages)
    expect(batches.flat()).toEqual(messages)
    for (const batch of batches) {
      const bytes = batch.reduce((sum, m) => sum + JSON.stringify(m.body).length, 0)
      expect(bytes).toBeLessThanOrEqual(200 * 1024)
    }
    expect(batches.length).toBeGreaterThan(1)
  })
})
