import { describe, expect, it } from 'vitest'
import { slackBody } from './payload'

describe('slackBody', () => {
  it('names a coalesced message’s models, at most ten per kind', () => {
    const added = Array.from({ length: 12 }, (_, i) => ({ model: `m${i}` }))
    const { text } = slackBody(
      {
        type: 'backend.models_changed',
        timestamp: '2026-12-08T00:00:00.000Z',
        data: { backendId: 'b 1', backendName: 'gpu', added, removed: [{ model: 'old' }], changed: [] },
      },
      'https://rs.example',
    )
    expect(text).toBe(
      '*gpu*: 12 models added (m0, m1, m2, m3, m4, m5, m6, m7, m8, m9 and 2 more), 1 model removed (old) <https://rs.example/status/backends/b%201|status page>',
    )
  })

  it('says a status change in words and links nothing for a removed backend', () => {
    const changed = slackBody(
      {
        type: 'status.changed',
        timestamp: '',
        data: { backendId: 'x', backendName: 'a&b', from: 'healthy', to: 'down', errorKind: 'timeout' },
      },
      'https://rs.example',
    )
    expect(changed.text).toBe(
      '*a&amp;b*: status healthy → down (timeout) <https://rs.example/status/backends/x|status page>',
    )
    expect(
      slackBody(
        { type: 'backend.removed', timestamp: '', data: { backendId: 'x', backendName: 'a' } },
        'https://rs.example',
      ).text,
    ).toBe('*a*: removed')
  })
})
