import { describe, expect, it } from 'vitest'
import type { BackendStatus } from '../published/types'
import { type HealthMemory, NEVER_PROBED, type ProbeEvent, TRANSITIONS, nextHealth, probeEvent } from './health-machine'

const thresholds = { fail: 3, recover: 2 }

/** Runs events from `start` and returns the status after each. */
function drive(events: ProbeEvent[], start: HealthMemory = NEVER_PROBED) {
  const statuses: BackendStatus[] = []
  let memory = start
  for (const event of events) {
    memory = nextHealth(memory, event, thresholds)
    statuses.push(memory.status!)
  }
  return { statuses, memory }
}

describe('the health state machine', () => {
  it('needs FAIL_THRESHOLD failures to go down and RECOVER_THRESHOLD good probes to come back', () => {
    expect(drive(['ok', 'failed', 'failed', 'failed', 'ok', 'ok']).statuses).toEqual([
      'healthy',
      'suspect',
      'suspect',
      'down',
      'recovering',
      'healthy',
    ])
  })

  it('forgives a blip: one good probe while suspect is healthy again', () => {
    expect(drive(['ok', 'failed', 'failed', 'ok', 'failed']).statuses).toEqual([
      'healthy',
      'suspect',
      'suspect',
      'healthy',
      'suspect',
    ])
  })

  it('falls back to down from recovering on a failure, and has to rise again from zero', () => {
    const down = drive(['failed', 'failed', 'failed']).memory
    expect(drive(['ok', 'failed', 'ok', 'ok'], down).statuses).toEqual(['recovering', 'down', 'recovering', 'healthy'])
  })

  it('recovers to degraded when the good probes came with warnings', () => {
    const down = drive(['failed', 'failed', 'failed']).memory
    expect(drive(['warned', 'warned'], down).statuses).toEqual(['recovering', 'degraded'])
  })

  it('takes auth failures down at once, and keeps unconfigured and unsupported apart', () => {
    expect(drive(['ok', 'auth']).statuses).toEqual(['healthy', 'down'])
    expect(drive(['ok', 'unconfigured', 'ok']).statuses).toEqual(['healthy', 'unconfigured', 'healthy'])
    expect(drive(['unsupported']).statuses).toEqual(['unsupported'])
  })

  it('never counts rate limiting toward down: degraded, however long it lasts', () => {
    const { statuses, memory } = drive(['ok', 'rate_limited', 'rate_limited', 'rate_limited', 'rate_limited'])
    expect(statuses).toEqual(['healthy', 'degraded', 'degraded', 'degraded', 'degraded'])
    expect(memory.consecutiveFailures).toBe(0)
    // A suspect backend that answers 429 is up: no longer counted toward down, but not reset either.
    expect(drive(['ok', 'failed', 'rate_limited', 'failed', 'failed']).statuses).toEqual([
      'healthy',
      'suspect',
      'degraded',
      'suspect',
      'down',
    ])
  })

  it('leaves a backend as it was while it is not asked (Retry-After)', () => {
    const suspect = drive(['ok', 'failed']).memory
    expect(drive(['deferred', 'deferred'], suspect)).toEqual({ statuses: ['suspect', 'suspect'], memory: suspect })
  })

  it('defines a transition for every status and event', () => {
    for (const row of Object.values(TRANSITIONS)) {
      expect(Object.keys(row).sort()).toEqual([
        'auth',
        'deferred',
        'failed',
        'ok',
        'rate_limited',
        'unconfigured',
        'unsupported',
        'warned',
      ])
    }
  })

  it('maps probe outcomes to events by error kind', () => {
    expect(probeEvent({ ok: true, warned: false })).toBe('ok')
    expect(probeEvent({ ok: true, warned: true })).toBe('warned')
    expect(probeEvent({ deferred: true })).toBe('deferred')
    for (const kind of ['timeout', 'network', 'bad_status', 'bad_payload'] as const) {
      expect(probeEvent({ ok: false, kind })).toBe('failed')
    }
    expect(probeEvent({ ok: false, kind: 'auth' })).toBe('auth')
    expect(probeEvent({ ok: false, kind: 'rate_limited' })).toBe('rate_limited')
  })
})
