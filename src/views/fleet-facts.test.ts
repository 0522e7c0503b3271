import { describe, expect, it } from 'vitest'
import { servedModel } from '../../test/support/published'
import { FACT_SOURCES } from '../published/types'
import { factsOf, fleetModel } from './fleet'
import { factsTail, filterableFacts, shownFacts } from './fleet-facts'

const noFlags = { tools: false, vision: false, reasoning: false }

describe("a model's facts in the fleet view", () => {
  it('leaves off the end whatever is unknown, so a model that knows little stays small', () => {
    const unknown = servedModel('u', { contextLength: 0, tools: null })
    expect(factsTail(unknown)).toEqual([])
    expect(fleetModel(unknown)).toEqual(['u', 1, 0, 0])
    expect(factsTail(servedModel('c', { contextLength: 8192 }))).toEqual(['l'])
    const priced = servedModel('p', {
      contextLength: 0,
      pricing: { input: 0, output: null, cacheRead: null, cacheWrite: null },
    })
    priced.sources = { ...priced.sources, pricing: { ...priced.sources.pricing, input: 'catalog' } }
    // A known price of 0 (free) is kept; only unknowns are left off.
    expect(factsTail(priced)).toEqual(['uuc', 0, 0])
  })

  it('gives every source back as it was stored', () => {
    for (const source of FACT_SOURCES.filter((s) => s !== 'unknown')) {
      const model = servedModel('m', { contextLength: 1000 })
      model.sources = { ...model.sources, limits: { ...model.sources.limits, context: source } }
      expect(factsOf(fleetModel(model)).context).toEqual({ value: 1000, source })
    }
  })

  it('tells a capability known not to hold from one no source states', () => {
    const facts = shownFacts(0, noFlags, ['uuuulu'])
    expect(facts.tools).toEqual({ value: false, source: 'discovered' })
    expect(facts.vision).toEqual({ value: null, source: 'unknown' })
    expect(facts.reasoning).toEqual({ value: null, source: 'unknown' })
  })

  it('tells no input modalities from unknown ones', () => {
    expect(shownFacts(0, noFlags, ['', 0, null, null, '']).inputModalities).toEqual([])
    expect(shownFacts(0, noFlags, []).inputModalities).toBeNull()
  })

  it('keeps a value from a view stored before sources, its source unknown', () => {
    const facts = shownFacts(4096, { ...noFlags, tools: true }, [])
    expect(facts.context).toEqual({ value: 4096, source: 'unknown' })
    expect(facts.tools).toEqual({ value: true, source: 'unknown' })
  })

  it('is what a FactFilter reads', () => {
    const facts = shownFacts(8192, { ...noFlags, vision: true }, ['lccclll', 2048, 1, 2, 'text,image'])
    expect(filterableFacts(facts)).toEqual({
      limits: { context: 8192, output: 2048 },
      capabilities: { tools: false, vision: true, reasoning: false },
      pricing: { input: 1, output: 2 },
      modalities: { input: ['text', 'image'] },
    })
  })
})
