import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { backendState, servedModel } from '../../test/support/published'
import { openAIModelList, perToken } from './openai-models'

describe('the /v1/models list', () => {
  it("adds OpenRouter's context_length and pricing where they are known, and nothing where not", () => {
    const backends = [
      backendState('a', {
        pulledModels: [
          servedModel('gpt', {
            contextLength: 128000,
            pricing: { input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: null },
          }),
          servedModel('local', { contextLength: 0 }),
        ],
      }),
      backendState('b', {
        pulledModels: [
          servedModel('gpt', {
            contextLength: 400000,
            pricing: { input: 3, output: 8, cacheRead: null, cacheWrite: null },
          }),
        ],
      }),
    ]
    const created = new Date('2026-12-01T00:00:00Z')
    expect(openAIModelList(backends, created)).toEqual({
      object: 'list',
      data: [
        {
          id: 'gpt',
          object: 'model',
          created: 1796083200,
          owned_by: 'runtime',
          context_length: 400000,
          pricing: { prompt: '0.0000025', completion: '0.00001', input_cache_read: '0.00000125' },
        },
        { id: 'local', object: 'model', created: 1796083200, owned_by: 'runtime' },
      ],
    })
  })
})

describe('perToken', () => {
  it('writes USD per million tokens as plain decimal USD per token', () => {
    expect(perToken(3)).toBe('0.000003')
    expect(perToken(0.15)).toBe('0.00000015')
    expect(perToken(15)).toBe('0.000015')
    expect(perToken(0)).toBe('0')
    expect(perToken(1_250_000)).toBe('1.25')
    expect(perToken(75_000_000)).toBe('75')
    expect(perToken(1e-9)).toBe('0.000000000000001')
  })

  it('is the exact decimal of the price divided by a million', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), (usd) => {
        const text = perToken(usd)
        expect(text).toMatch(/^\d+(\.\d*[1-9])?$/)
        const shifted = usd.toExponential().replace(/e([+-]\d+)$/, (_, e: string) => `e${Number(e) - 6}`)
        expect(Number(text)).toBe(Number(shifted))
      }),
    )
  })
})
