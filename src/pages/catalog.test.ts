import { describe, expect, it } from 'vitest'
import { type ShownFacts, shownFactsWith } from '../views/fleet-facts'
import { bestFacts } from './catalog'

const none = shownFactsWith()

describe('a model across its backends', () => {
  it('shows each fact at its best on any of them, a known value before an unknown one', () => {
    const listed: ShownFacts = {
      ...none,
      context: { value: 131072, source: 'discovered' },
      inputPrice: { value: 3, source: 'discovered' },
      tools: { value: false, source: 'discovered' },
      inputModalities: ['text'],
    }
    const catalogued: ShownFacts = {
      ...none,
      context: { value: 200000, source: 'catalog' },
      output: { value: 8192, source: 'catalog' },
      inputPrice: { value: 2.5, source: 'catalog' },
      tools: { value: true, source: 'catalog' },
      inputModalities: ['text', 'image'],
    }
    expect(bestFacts(listed, catalogued)).toEqual({
      ...none,
      context: { value: 200000, source: 'catalog' },
      output: { value: 8192, source: 'catalog' },
      inputPrice: { value: 2.5, source: 'catalog' },
      tools: { value: true, source: 'catalog' },
      inputModalities: ['text', 'image'],
    })
    expect(bestFacts(catalogued, listed)).toEqual(bestFacts(listed, catalogued))
    expect(bestFacts(none, none)).toEqual(none)
  })

  it('names the higher-ranked source of two equal values, whichever backend comes first', () => {
    const fromCatalog = { ...none, context: { value: 8192, source: 'catalog' as const } }
    const declared = { ...none, context: { value: 8192, source: 'declared' as const } }
    expect(bestFacts(fromCatalog, declared).context.source).toBe('declared')
    expect(bestFacts(declared, fromCatalog).context.source).toBe('declared')
  })
})
