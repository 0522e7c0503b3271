import { describe, expect, it } from 'vitest'
import { backendState, servedModel } from '../../test/support/published'
import type { ModelPullStatus } from '../published/types'
import { mergedEntries, mergedModels } from './models'

const price = (input: number | null, output: number | null, cacheRead: number | null = null) => ({
  input,
  output,
  cacheRead,
  cacheWrite: null,
})

const fleetOf = (...served: Partial<ModelPullStatus>[]) =>
  served.map((facts, i) => backendState(`b${i}`, { pulledModels: [servedModel('m', facts)] }))

describe('merging models across backends', () => {
  it('takes the largest limits, true over false over unknown, united modalities and the lowest known prices', () => {
    const [merged] = mergedModels(
      fleetOf(
        {
          contextLength: 8192,
          maxOutputTokens: 0,
          tools: false,
          canVision: true,
          pricing: price(3, 15),
          modalities: { input: ['text', 'image'], output: ['text'] },
        },
        {
          contextLength: 131072,
          maxOutputTokens: 4096,
          tools: true,
          pricing: price(null, 10),
          modalities: { input: ['audio', 'text'], output: null },
        },
        { contextLength: 0, tools: null, canChat: false, canEmbed: true, pricing: price(5, 20, 0.5) },
      ),
    )
    expect(merged).toEqual({
      id: 'm',
      model: 'm',
      contextLength: 131072,
      canChat: true,
      canEmbed: true,
      canPrompt: true,
      canStream: true,
      limits: { context: 131072, input: null, output: 4096 },
      capabilities: { tools: true, reasoning: null, vision: true, structuredOutput: null, attachments: null },
      modalities: { input: ['audio', 'image', 'text'], output: ['text'] },
      pricing: { input: 3, output: 10, cacheRead: 0.5, cacheWrite: null },
    })
  })

  it('says false only when some backend says false and none true', () => {
    const capabilities = (tools: (boolean | null)[]) =>
      mergedModels(fleetOf(...tools.map((t) => ({ tools: t }))))[0]!.capabilities.tools
    expect(capabilities([null, false, null])).toBe(false)
    expect(capabilities([false, true])).toBe(true)
    expect(capabilities([null, null])).toBeNull()
  })

  it("quotes one backend's prices: the lowest known input price among those that know both", () => {
    const quote = (...prices: ReturnType<typeof price>[]) =>
      mergedEntries(fleetOf(...prices.map((pricing) => ({ pricing }))))[0]!.quote
    expect(quote(price(3, 15), price(1, null), price(2, 30, 1), price(2, 20))).toEqual(price(2, 20))
    expect(quote(price(2, 30, 1), price(2, 30))).toEqual(price(2, 30, 1))
    expect(quote(price(null, 1), price(1, null))).toBeNull()
  })
})
