import { describe, expect, it } from 'vitest'
import { CAPABILITIES, capabilityMask, capabilityNames } from '../views/providers'
import { MODEL_FACT_BITS } from './model-fact-bits'

describe('the capability bits of backend_health.model_facts', () => {
  it('are exactly the bits stored rows were written with', () => {
    expect(MODEL_FACT_BITS).toEqual({ chat: 1, embed: 2, prompt: 4, stream: 8, think: 16, vision: 32 })
  })

  it('read a stored row as it was written, and write a model the same way', () => {
    // A model_facts entry as cycles stored it: [context length, capability mask, first seen (ms)].
    const stored = { 'qwen3-8b': [32768, 17, 1764547200000], 'bge-m3': [8192, 2, 1764547200000] }
    expect(capabilityNames(stored['qwen3-8b'][1]!)).toEqual(['chat', 'think'])
    expect(capabilityNames(stored['bge-m3'][1]!)).toEqual(['embed'])
    const flags = {
      canChat: true,
      canEmbed: false,
      canPrompt: false,
      canStream: true,
      canThink: false,
      canVision: true,
    }
    expect(capabilityMask(flags)).toBe(1 + 8 + 32)
  })

  it('name every capability the API filters by, and nothing else', () => {
    expect(Object.keys(MODEL_FACT_BITS).sort()).toEqual([...CAPABILITIES].sort())
  })
})
