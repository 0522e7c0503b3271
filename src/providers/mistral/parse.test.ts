import { describe, expect, it } from 'vitest'
import models from '../../../fixtures/providers/mistral/models.json'
import { MISTRAL_ROWS } from '../../../test/support/expected-rows/mistral'
import { parseMistralModels } from './parse'
import { tableFields } from '../../../test/support/expected-rows/row'

const card = (fields: Record<string, unknown>) => ({ id: 'm', max_context_length: 32768, ...fields })

describe('mistral parse', () => {
  it('turns /v1/models into the README rows, aliases kept as their own entries', () => {
    expect(parseMistralModels(models).map(tableFields)).toEqual(MISTRAL_ROWS)
  })

  it('drops archived fine-tunes', () => {
    const list = { data: [card({ id: 'ft:a', archived: true }), card({ id: 'ft:b', archived: false })] }
    expect(parseMistralModels(list).map((m) => m.name)).toEqual(['ft:b'])
  })

  it('treats missing capability keys as false, and a card without capabilities as chat of unknown tools', () => {
    expect(parseMistralModels({ data: [card({ capabilities: { completion_chat: true } })] })[0]).toMatchObject({
      canChat: true,
      canThink: false,
      canVision: false,
      tools: false,
    })
    expect(parseMistralModels({ data: [card({ capabilities: null })] })[0]).toMatchObject({
      canChat: true,
      tools: null,
    })
    expect(parseMistralModels({ data: [card({ id: 'x', max_context_length: null })] })[0]?.contextLength).toBe(0)
  })

  it('rejects a body without a model list', () => {
    expect(() => parseMistralModels({ detail: 'Unauthorized' })).toThrow(/^decode mistral catalog response: data/)
  })
})
