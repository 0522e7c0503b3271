import { describe, expect, it } from 'vitest'
import { capabilityNames } from '../views/providers'
import { type KnownBackend, fleetEvents } from './fleet-events'

const known = new Map<string, KnownBackend>([
  ['b1', { name: 'one', status: 'healthy', models: { a: [4096, 1, 1], b: [8192, 3, 1], c: [0, 2, 1] } }],
  ['gone', { name: 'old', status: 'down', models: {} }],
])

describe('fleetEvents', () => {
  it('reports added, removed and changed models of a list read this cycle, and status transitions', () => {
    const events = fleetEvents(
      known,
      [
        // a unchanged, b: context and capabilities changed, c removed, d added.
        {
          id: 'b1',
          name: 'one',
          status: 'degraded',
          errorKind: 'no_declared_models',
          listed: true,
          models: { a: [4096, 1, 1], b: [32768, 1, 1], d: [2048, 16, 5] },
        },
        { id: 'new', name: 'fresh', status: 'healthy', listed: true, models: {} },
        { id: 'new2', name: 'fresher', status: 'healthy', listed: true, models: { z: [1, 1, 1], y: [1, 1, 1] } },
      ],
      capabilityNames,
    )
    expect(events).toEqual([
      {
        backendId: 'b1',
        backendName: 'one',
        kind: 'status.changed',
        data: { from: 'healthy', to: 'degraded', errorKind: 'no_declared_models' },
      },
      {
        backendId: 'b1',
        backendName: 'one',
        kind: 'model.changed',
        data: {
          model: 'b',
          contextLength: { from: 8192, to: 32768 },
          capabilities: { from: ['chat', 'embed'], to: ['chat'] },
        },
      },
      {
        backendId: 'b1',
        backendName: 'one',
        kind: 'model.added',
        data: { model: 'd', contextLength: 2048, capabilities: ['think'] },
      },
      { backendId: 'b1', backendName: 'one', kind: 'model.removed', data: { model: 'c' } },
      { backendId: 'new', backendName: 'fresh', kind: 'backend.added', data: { status: 'healthy', models: [] } },
      {
        backendId: 'new2',
        backendName: 'fresher',
        kind: 'backend.added',
        data: { status: 'healthy', models: ['y', 'z'] },
      },
      { backendId: 'gone', backendName: 'old', kind: 'backend.removed', data: {} },
    ])
  })

  it('says nothing of models that were not listed this cycle, and nothing at all when nothing changed', () => {
    const stale = fleetEvents(
      known,
      [{ id: 'b1', name: 'one', status: 'suspect', listed: false, models: {} }],
      capabilityNames,
    )
    expect(stale.map((e) => e.kind)).toEqual(['status.changed', 'backend.removed'])
    const same = fleetEvents(
      new Map([['b1', known.get('b1')!]]),
      [{ id: 'b1', name: 'one', status: 'healthy', listed: true, models: known.get('b1')!.models }],
      capabilityNames,
    )
    expect(same).toEqual([])
  })
})
