import { describe, expect, it } from 'vitest'
import { backendState, servedModel } from '../../test/support/published'
import { BADGE_CAPABILITIES, capabilitiesOf, capabilityBits, factsOf, fleetModel, fleetView } from './fleet'

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
          // Sources: context and tools from the listing, the rest unknown and left off.
          ['chatty', capabilityBits(state.pulledModels[0]!), 8192, 1, 'luuul'],
          ['embedder', capabilityBits(state.pulledModels[1]!), 2048, 0, 'l'],
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
    expect(capabilitiesOf(capabilityBits(all))).toEqual([...BADGE_CAPABILITIES])
    const unknownTools = servedModel('m', {
      canChat: false,
      canEmbed: false,
      canVision: false,
      canThink: false,
      tools: null,
    })
    expect(capabilityBits(unknownTools)).toBe(0)
  })

  it('keeps each shown fact with its source, and gives them back as the pages show them', () => {
    const model = servedModel('claude', {
      contextLength: 200_000,
      maxOutputTokens: 64_000,
      tools: true,
      canVision: true,
      canThink: false,
      pricing: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: null },
      modalities: { input: ['text', 'image'], output: ['text'] },
    })
    model.sources = {
      ...model.sources,
      limits: { context: 'catalog', input: 'unknown', output: 'discovered' },
      capabilities: { ...model.sources.capabilities, reasoning: 'catalog' },
      pricing: { input: 'catalog', output: 'catalog', cacheRead: 'catalog', cacheWrite: 'unknown' },
    }
    model.capabilities = { ...model.capabilities, reasoning: false }
    const tuple = fleetModel(model)
    expect(tuple).toEqual(['claude', capabilityBits(model), 200_000, 0, 'clccllc', 64_000, 3, 15, 'text,image'])
    expect(factsOf(tuple)).toEqual({
      context: { value: 200_000, source: 'catalog' },
      output: { value: 64_000, source: 'discovered' },
      inputPrice: { value: 3, source: 'catalog' },
      outputPrice: { value: 15, source: 'catalog' },
      tools: { value: true, source: 'discovered' },
      vision: { value: true, source: 'discovered' },
      reasoning: { value: false, source: 'catalog' },
      inputModalities: ['text', 'image'],
    })
  })

  it('reads a model published before facts had sources as its listing states it', () => {
    const { limits: _l, sources: _s, ...legacy } = servedModel('old', { contextLength: 4096, tools: false })
    const tuple = fleetModel(legacy as Parameters<typeof fleetModel>[0])
    expect(tuple).toEqual(['old', 1, 4096, 0, 'luuul'])
    expect(factsOf(tuple).tools).toEqual({ value: false, source: 'discovered' })
  })
})
