import { describe, expect, it } from 'vitest'
import { connectWithRetry } from './pool'

const full = () => Object.assign(new Error('sorry, too many clients already'), { code: '53300' })

/** A clock that only moves when the code under test sleeps. */
function fakeClock(budgetMs: number) {
  let now = 0
  const sleeps: number[] = []
  return {
    sleeps,
    clock: {
      budgetMs,
      now: () => now,
      random: () => 1,
      sleep: async (ms: number) => {
        sleeps.push(ms)
        now += ms
      },
    },
  }
}

describe('connectWithRetry', () => {
  it('asks again while the server is at capacity, backing off, until a slot frees', async () => {
    let attempts = 0
    const { clock, sleeps } = fakeClock(3_000)
    const client = await connectWithRetry(async () => {
      if (++attempts < 4) throw full()
      return 'client'
    }, clock)
    expect(client).toBe('client')
    expect(attempts).toBe(4)
    expect(sleeps).toEqual([25, 50, 100])
  })

  it('gives up with the server’s error once the budget is spent', async () => {
    let attempts = 0
    const { clock, sleeps } = fakeClock(1_000)
    await expect(
      connectWithRetry(async () => {
        attempts++
        throw full()
      }, clock),
    ).rejects.toMatchObject({ code: '53300' })
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(1_000)
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(400)
    expect(attempts).toBe(sleeps.length + 1)
  })

  it('never retries anything else: a down database or a bad statement fails at once', async () => {
    for (const error of [
      new Error('Connection terminated unexpectedly'),
      Object.assign(new Error('x'), { code: '42P01' }),
    ]) {
      let attempts = 0
      const { clock } = fakeClock(3_000)
      await expect(
        connectWithRetry(async () => {
          attempts++
          throw error
        }, clock),
      ).rejects.toBe(error)
      expect(attempts).toBe(1)
    }
  })
})
