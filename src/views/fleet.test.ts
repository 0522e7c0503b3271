import { describe, expect, it } from 'vitest'
import { backendState, servedModel } from '../published/testing'
import { CAPABILITIES, capabilitiesOf, capabilityBits, fleetView } from './fleet'

describe('fleet view', () => {
  it('keeps what the pages show of each backend, its models as compact tuples', () => {
    const state = backendState('b1', {
      status: 'suspect',
      error: 'connection refused',
      pulledModels: [
        servedModel('chatty', { canChat: true, tools: true, contextLength: 8192, stale: true }),
        servedModel('embedder', { canChat: false, canEmbed: true, contextLength: 2048 }),
      ],
      uptime: { '1h': 1, '24h': 0.75, '7d': 0.9 },
      latency24h: { p50Ms: 100, p95Ms: 300 },
    })
    const view = fleetView([state], new Date('2026-12-02T12:00:00Z'))
    expect(view.publishedAt).toBe('2026-12-02T12:00:00.000Z')
    expect(view.backends).toEqual([
      {
        id: 'b1',
        name: 'b1',
        type: state.backend.type,
        baseUrl: state.backend.baseUrl,
        status: 'suspect',
        error: 'connection refused',
        models: [
          ['chatty', capabilityBits(state.pulledModels[0]!), 8192, 1],
          ['embedder', capabilityBits(state.pulledModels[1]!), 2048, 0],
        ],
        uptime24h: 0.75,
        latencyP95Ms: 300,
        checkedAt: state.checkedAt,
        lastSuccessAt: state.lastSuccessAt,
      },
    ])
    expect(capabilitiesOf(view.backends[0]!.models[0]![1])).toEqual(expect.arrayContaining(['chat', 'tools']))
    expect(capabilitiesOf(view.backends[0]!.models[1]![1])).toEqual(['embed'])
  })

  it('maps capability flags to bits and back, tools only when the provider says so', () => {
    const all = servedModel('m', { canChat: true, canEmbed: true, canVision: true, tools: true, canThink: true })
    expect(capabilitiesOf(capabilityBits(all))).toEqual([...CAPABILITIES])
    const unknownTools = servedModel('m', {
      canChat: false,
      canEmbed: false,
      canVision: false,
      canThink: false,
      tools: null,
    })
    expect(capabilityBits(unknownTools)).toBe(0)
  })
})
