import { describe, expect, it } from 'vitest'
import { percent, timeAgo, utcHour, utcMinute } from './time-ago'

const now = new Date('2026-12-02T12:00:00Z')
const before = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString()

describe('timeAgo', () => {
  it('reads like a person would say it', () => {
    expect(timeAgo(before(10), now)).toBe('just now')
    expect(timeAgo(before(50), now)).toBe('1 min ago')
    expect(timeAgo(before(180), now)).toBe('3 min ago')
    expect(timeAgo(before(89 * 60), now)).toBe('89 min ago')
    expect(timeAgo(before(2 * 3600), now)).toBe('2 h ago')
    expect(timeAgo(before(3 * 86400), now)).toBe('3 d ago')
    expect(timeAgo(before(-300), now)).toBe('in 5 min')
  })

  it('says never for a time that never happened, and unknown for one it cannot read', () => {
    expect(timeAgo(null, now)).toBe('never')
    expect(timeAgo('yesterday', now)).toBe('unknown')
  })
})

describe('absolute times', () => {
  it('are UTC whatever the zone', () => {
    expect(utcMinute('2026-12-02T14:05:59.900+02:00')).toBe('2026-12-02 12:05 UTC')
    expect(utcHour('2026-12-02T07:00:00Z')).toBe('07:00')
  })

  it('percentages keep one decimal unless it is 0', () => {
    expect(percent(0.99314)).toBe('99.3%')
    expect(percent(1)).toBe('100%')
    expect(percent(0)).toBe('0%')
    expect(percent(0.5)).toBe('50%')
    expect(percent(0.99999)).toBe('100%')
    expect(percent(null)).toBe('–')
  })
})
