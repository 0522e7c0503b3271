import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { SETTING_NAMES } from '../src/env'
import { STARTED_BINDINGS, TEST_SETTINGS } from './settings'

describe('the test run owns its settings', () => {
  it('gives every setting an explicit value', () => {
    const started: readonly string[] = STARTED_BINDINGS
    expect(SETTING_NAMES.filter((name) => !(name in TEST_SETTINGS) && !started.includes(name))).toEqual([])
  })

  it("gives the Worker exactly the test's values, whatever .dev.vars or .env hold", () => {
    const bindings = env as unknown as Record<string, unknown>
    for (const [name, value] of Object.entries(TEST_SETTINGS))
      expect({ name, value: bindings[name] }).toEqual({ name, value })
    // .ci/run writes a .dev.vars with GROUPS=true, PUBLIC_READ=true and a stray key before the tests.
    const expected = [
      ...Object.keys(TEST_SETTINGS),
      ...STARTED_BINDINGS,
      'KV',
      'PROBE_QUEUE',
      'PARKED_QUEUE',
      'WEBHOOK_QUEUE',
    ].sort()
    // The pool adds its own `__VITEST_POOL_WORKERS_*` bindings.
    const given = Object.keys(bindings).filter((name) => !name.startsWith('__VITEST_POOL_WORKERS_'))
    expect(given.sort()).toEqual(expected)
  })
})
