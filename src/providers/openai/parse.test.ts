import { describe, expect, it } from 'vitest'
import models from '../../../fixtures/providers/openai/models.json'
import { OPENAI_ROWS } from '../../../test/support/expected-rows/openai'
import { openAIMaxOutputTokens, openAISupportsVision } from './name-rules'
import { observedFromOpenAIId, parseOpenAIPage } from './parse'
import { tableFields } from '../../../test/support/expected-rows/row'

describe('openai parse', () => {
  it('turns /v1/models into the README rows', () => {
    const page = parseOpenAIPage(models)
    expect(page.nextAfter).toBeUndefined()
    expect(page.ids.map(observedFromOpenAIId).map(tableFields)).toEqual(OPENAI_ROWS)
  })

  it('names the next page when has_more is set', () => {
    expect(parseOpenAIPage({ data: [{ id: 'a' }, { id: 'b' }], has_more: true }).nextAfter).toBe('b')
    expect(parseOpenAIPage({ data: [{ id: 'a' }], has_more: true, last_id: 'z' }).nextAfter).toBe('z')
  })

  it('applies the seed name rules for output limits and vision', () => {
    expect(openAIMaxOutputTokens('gpt-5-chat-latest')).toBe(16384)
    expect(openAIMaxOutputTokens('gpt-5-pro-2025')).toBe(272000)
    expect(openAIMaxOutputTokens('gpt-5-mini')).toBe(128000)
    expect(openAIMaxOutputTokens('gpt-4.1')).toBe(0)
    expect(openAISupportsVision('o4-mini')).toBe(true)
    expect(openAISupportsVision('gpt-4o-audio-preview')).toBe(false)
    expect(openAISupportsVision('gpt-4-vision-preview')).toBe(true)
    expect(observedFromOpenAIId('gpt-image-1').canChat).toBe(false)
    expect(observedFromOpenAIId('gpt-4o-mini-tts').canChat).toBe(false)
    expect(observedFromOpenAIId('babbage-002').canPrompt).toBe(true)
  })
})
