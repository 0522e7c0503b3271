import { describe, expect, it } from 'vitest'
import { RETIRED_FOR_MS, type RetiredValue, SWEEP_INTERVAL_MS, planRetirement, retiredValues } from './retirement'

const now = new Date('2026-12-01T12:00:00.000Z')
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString()
/** The previous version was written a minute and a half ago. */
const previousWrittenAt = ago(90_000)
const long = (key: string): RetiredValue => ({ key, since: ago(10 * RETIRED_FOR_MS) })
const plan = (named: string[], previous: string[], retired: RetiredValue[] = [], sweptAt?: string) =>
  planRetirement({ named: new Set(named), previous: new Set(previous), retired, previousWrittenAt, sweptAt, now })

describe('retiring stored values', () => {
  it('writes nothing and deletes nothing for a version that names what the previous one named', () => {
    expect(plan(['a', 'b'], ['a', 'b'], [long('old')], '2026-11-01T00:00:00.000Z')).toEqual({
      fresh: [],
      deletable: [],
      retired: [long('old')],
      sweep: false,
      sweptAt: '2026-11-01T00:00:00.000Z',
    })
  })

  it('retires what the previous version named, and deletes what waited long enough once it writes', () => {
    const first = plan(['a', 'c'], ['a', 'b'], [long('old')], now.toISOString())
    expect(first).toMatchObject({
      fresh: ['c'],
      deletable: ['old'],
      retired: [{ key: 'b', since: now.toISOString() }],
    })
  })

  it('keeps a value retired by the previous version, or less than a minute ago, for reads that began before', () => {
    const byPrevious = { key: 'p', since: previousWrittenAt }
    const recent = { key: 'r', since: ago(RETIRED_FOR_MS - 1) }
    const result = plan(['a', 'c'], ['a'], [byPrevious, recent], now.toISOString())
    expect(result.deletable).toEqual([])
    expect(result.retired).toEqual([byPrevious, recent])
  })

  it('takes back a retired value a version names again, without writing it', () => {
    expect(plan(['a', 'b'], ['a', 'c'], [long('b')], now.toISOString())).toMatchObject({
      fresh: [],
      deletable: [],
      retired: [{ key: 'c', since: now.toISOString() }],
    })
  })

  it('reads a meta from before retirement times as retired when it was written', () => {
    expect(retiredValues(['x', { key: 'y', since: 'then' }], 'written')).toEqual([
      { key: 'x', since: 'written' },
      { key: 'y', since: 'then' },
    ])
    expect(retiredValues(undefined, 'written')).toEqual([])
  })

  it('lists for leftovers at most daily, with a version that writes values and has a previous one', () => {
    const dayAgo = ago(SWEEP_INTERVAL_MS)
    expect(plan(['new'], ['a'], [], dayAgo)).toMatchObject({ sweep: true, sweptAt: now.toISOString() })
    expect(plan(['new'], ['a'], [], ago(1000)).sweep).toBe(false)
    expect(plan(['a'], ['a'], [], dayAgo).sweep).toBe(false)
    expect(plan(['new'], ['a'], []).sweep).toBe(true)
    const first = planRetirement({
      named: new Set(['a']),
      previous: new Set(),
      retired: [],
      previousWrittenAt: undefined,
      sweptAt: undefined,
      now,
    })
    expect(first).toMatchObject({ fresh: ['a'], sweep: false, sweptAt: undefined })
  })
})
