import { describe, expect, it } from 'vitest'
import { servedModel } from '../../test/support/published'
import { withPublishedFacts } from '../catalog/enrich'
import { factsMatch, filtersFacts, normalFactFilter } from './fact-filter'

const priced = servedModel('m', {
  contextLength: 200_000,
  maxOutputTokens: 64_000,
  tools: true,
  canVision: true,
  pricing: { input: 3, output: 15, cacheRead: null, cacheWrite: null },
  modalities: { input: ['text', 'image'], output: ['text'] },
})
const unknown = servedModel('u', { contextLength: 0, maxOutputTokens: 0, tools: null })

describe('factsMatch', () => {
  it('holds when every condition holds', () => {
    expect(
      factsMatch(
        { tools: true, vision: true, minContext: 200_000, minOutput: 64_000, maxInputPrice: 3, inputModality: 'image' },
        priced,
      ),
    ).toBe(true)
  })

  it('fails on any one condition', () => {
    expect(factsMatch({ minContext: 200_001 }, priced)).toBe(false)
    expect(factsMatch({ maxInputPrice: 2.99 }, priced)).toBe(false)
    expect(factsMatch({ maxOutputPrice: 14 }, priced)).toBe(false)
    expect(factsMatch({ inputModality: 'audio' }, priced)).toBe(false)
    expect(factsMatch({ tools: false }, priced)).toBe(false)
  })

  it('never lets an unknown value satisfy a condition, either way', () => {
    for (const filter of [
      { tools: true },
      { tools: false },
      { minContext: 1 },
      { minOutput: 1 },
      { maxInputPrice: 1e9 },
    ]) {
      expect(factsMatch(filter, unknown)).toBe(false)
    }
    expect(factsMatch({}, unknown)).toBe(true)
    expect(filtersFacts({})).toBe(false)
    expect(filtersFacts({ minOutput: 1 })).toBe(true)
  })

  it('asks nothing of a minimum of 0 tokens, and something of a price of 0', () => {
    expect(factsMatch({ minContext: 0, minOutput: 0 }, unknown)).toBe(true)
    expect(normalFactFilter({ minContext: 0, minOutput: 0, maxInputPrice: 0, tools: undefined })).toEqual({
      maxInputPrice: 0,
    })
    expect(factsMatch({ maxInputPrice: 0 }, unknown)).toBe(false)
  })

  it('reads a model published before facts by its flat fields, a false flag being unknown', () => {
    const model = servedModel('old', { contextLength: 8192, canVision: false, canThink: true, tools: false })
    const { limits: _l, capabilities: _c, modalities: _m, pricing: _p, sources: _s, ...flat } = model
    const facts = withPublishedFacts(flat as typeof model)
    expect(facts.limits).toEqual({ context: 8192, input: null, output: null })
    expect(facts.capabilities).toMatchObject({ tools: false, vision: null, reasoning: true })
    expect(facts.pricing.input).toBeNull()
    expect(withPublishedFacts(priced)).toBe(priced)
  })
})
