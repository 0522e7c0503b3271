import { describe, expect, it } from 'vitest'
import { SWEEP_INTERVAL_MS, planRetirement } from './retirement'

const now = new Date('2026-12-01T12:00:00.000Z')
const plan = (named: string[], previous: string[], retired: string[] = [], sweptAt?: string) =>
  planRetirement({ named: new Set(named), previous: new Set(previous), retired, hasPrevious: true, sweptAt, now })

describe('retiring stored values', () => {
  it('writes nothing and deletes nothing for a version that names what the previous one named', () => {
    expect(plan(['a', 'b'], ['a', 'b'], ['old'], '2026-11-01T00:00:00.000Z')).toEqual({
      fresh: [],
      deletable: [],
      retired: ['old'],
      sweep: false,
      sweptAt: '2026-11-01T00:00:00.000Z',
    })
  })

  it('keeps what the previous version named for one more version, and deletes what waited once it writes', () => {
    const first = plan(['a', 'c'], ['a', 'b'], [], now.toISOString())
    expect(first).toMatchObject({ fresh: ['c'], deletable: [], retired: ['b'], sweep: false })
    const second = plan(['a', 'd'], ['a', 'c'], first.retired, now.toISOString())
    expect(second).toMatchObject({ fresh: ['d'], deletable: ['b'], retired: ['c'] })
  })

  it('takes back a retired value a version names again, without writing it', () => {
    expect(plan(['a', 'b'], ['a', 'c'], ['b'], now.toISOString())).toMatchObject({
      fresh: [],
      deletable: [],
      retired: ['c'],
    })
  })

  it('lists for leftovers at most daily, with a version that writes values and has a previous one', () => {
    const dayAgo = new Date(now.getTime() - SWEEP_INTERVAL_MS).toISOString()
    expect(plan(['new'], ['a'], [], dayAgo)).toMatchObject({ sweep: true, sweptAt: now.toISOString() })
    expect(plan(['new'], ['a'], [], new Date(now.getTime() - 1000).toISOString()).sweep).toBe(false)
    expect(plan(['a'], ['a'], [], dayAgo).sweep).toBe(false)
    expect(plan(['new'], ['a'], []).sweep).toBe(true)
    const first = planRetirement({
      named: new Set(['a']),
      previous: new Set(),
      retired: [],
      hasPrevious: false,
      sweptAt: undefined,
      now,
    })
    expect(first).toMatchObject({ fresh: ['a'], sweep: false, sweptAt: undefined })
  })
})
