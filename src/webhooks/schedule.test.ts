import { describe, expect, it } from 'vitest'
import { MAX_ATTEMPTS, RETRY_DELAYS_S, nextAttemptAt } from './schedule'

describe('the retry schedule', () => {
  const at = new Date('2026-12-08T00:00:00.000Z')

  it('waits 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, then stops', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7].map((made) => (nextAttemptAt(made, at)!.getTime() - at.getTime()) / 1000)
    expect(waits).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000])
    expect(nextAttemptAt(8, at)).toBeNull()
    expect(MAX_ATTEMPTS).toBe(8)
  })

  it('spans about 28 hours from the first attempt to the last', () => {
    const totalS = RETRY_DELAYS_S.reduce((sum, s) => sum + s, 0)
    expect(totalS / 3600).toBeGreaterThan(27)
    expect(totalS / 3600).toBeLessThan(28)
  })
})
