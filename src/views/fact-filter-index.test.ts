import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { servedModel } from '../../test/support/published'
import { withPublishedFacts } from '../catalog/enrich'
import { factsMatch } from './fact-filter'
import { columnMatcher, factColumns, factQuery, factSummary, summaryMayMatch } from './fact-filter-index'
import { factFilter, fleet } from '../../test/support/fleet-arbitrary'

const modelsOf = fleet.map((backends) => backends.flatMap((b) => b.pulledModels).map((m) => withPublishedFacts(m)))

describe('fact columns', () => {
  it('match an element exactly when factsMatch holds for its facts, and the summary never skips a match', () => {
    fc.assert(
      fc.property(modelsOf, factFilter, (facts, filter) => {
        // Through JSON, as the columns are stored.
        const columns = JSON.parse(JSON.stringify(factColumns(facts))) as ReturnType<typeof factColumns>
        const query = factQuery(filter)
        const matches = columnMatcher(query, columns)
        const expected = facts.map((f) => factsMatch(filter, f))
        expect(facts.map((_, i) => matches(i))).toEqual(expected)
        if (expected.some(Boolean)) expect(summaryMayMatch(factSummary(columns), query)).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  it('leave out what no element knows, and read a column left out as unknown', () => {
    const bare = [servedModel('a', { contextLength: 0 }), servedModel('b', { contextLength: 8192 })].map((m) =>
      withPublishedFacts(m),
    )
    const columns = factColumns(bare)
    expect(columns).toEqual({ context: [0, 8192] })
    expect(factSummary(columns)).toEqual({ maxContext: 8192 })
    for (const filter of [{ tools: false }, { minOutput: 1 }, { maxInputPrice: 1e6 }, { inputModality: 'text' }]) {
      expect(columnMatcher(factQuery(filter), columns)(1)).toBe(false)
      expect(summaryMayMatch(factSummary(columns), factQuery(filter))).toBe(false)
    }
    // A header from before the columns existed (no `context` either) matches only what asks nothing.
    expect(columnMatcher(factQuery({}), {})(0)).toBe(true)
    expect(columnMatcher(factQuery({ minContext: 1 }), {})(0)).toBe(false)
    expect(columnMatcher(factQuery({ minContext: 0 }), {})(0)).toBe(true)
  })

  it('summarise the largest limits, the lowest known prices, the known flags and the modalities', () => {
    const priced = servedModel('p', {
      maxOutputTokens: 8192,
      tools: true,
      pricing: { input: 3, output: 15, cacheRead: null, cacheWrite: null },
      modalities: { input: ['text', 'image'], output: ['text'] },
    })
    const cheap = servedModel('c', {
      tools: false,
      pricing: { input: 0.15, output: null, cacheRead: null, cacheWrite: null },
      modalities: { input: ['text'], output: null },
    })
    const summary = factSummary(factColumns([priced, cheap].map((m) => withPublishedFacts(m))))
    expect(summary).toEqual({
      maxContext: 4096,
      maxOutput: 8192,
      facts: factColumns([priced, cheap].map((m) => withPublishedFacts(m))).facts!.reduce((a, b) => a | b, 0),
      minInputPrice: 0.15,
      minOutputPrice: 15,
      modalities: ['image', 'text'],
    })
    expect(summaryMayMatch(summary, factQuery({ tools: true, maxInputPrice: 0.2 }))).toBe(true)
    expect(summaryMayMatch(summary, factQuery({ maxOutputPrice: 14 }))).toBe(false)
    expect(summaryMayMatch(summary, factQuery({ inputModality: 'audio' }))).toBe(false)
    expect(summaryMayMatch(summary, factQuery({ reasoning: true }))).toBe(false)
  })
})
