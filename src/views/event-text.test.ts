import { describe, expect, it } from 'vitest'
import { eventText } from './event-text'

describe('eventText', () => {
  it('says each kind of change in words', () => {
    expect(eventText({ kind: 'backend.added', data: { status: 'healthy', models: ['a', 'b'] } })).toBe(
      'added, healthy, 2 models',
    )
    expect(eventText({ kind: 'backend.removed', data: {} })).toBe('removed')
    expect(eventText({ kind: 'status.changed', data: { from: 'healthy', to: 'down', errorKind: 'auth' } })).toBe(
      'status healthy → down (auth)',
    )
    expect(
      eventText({ kind: 'model.added', data: { model: 'm', contextLength: 131072, capabilities: ['chat', 'tools'] } }),
    ).toBe('model m added (context 128k; chat, tools)')
    expect(eventText({ kind: 'model.removed', data: { model: 'm' } })).toBe('model m removed')
    expect(
      eventText({
        kind: 'model.changed',
        data: {
          model: 'm',
          contextLength: { from: 4096, to: 8192 },
          capabilities: { from: ['chat'], to: [] },
        },
      }),
    ).toBe('model m changed: context 4k → 8k; capabilities chat → none')
    expect(eventText({ kind: 'something.new', data: {} })).toBe('something.new')
  })
})
