import { describe, expect, it } from 'vitest'
import invalidKey from '../../../fixtures/providers/gemini/error-400-invalid-key.json'
import rateLimited from '../../../fixtures/providers/gemini/error-429.json'
import describeModel from '../../../fixtures/providers/gemini/model-gemini-2.5-pro.json'
import page1 from '../../../fixtures/providers/gemini/models-page1.json'
import page2 from '../../../fixtures/providers/gemini/models-page2.json'
import { GEMINI_ROWS } from '../../../test/support/expected-rows/gemini'
import { googleSupportsVision, readGoogleError } from './google'
import { GEMINI_DEFAULT_BASE, geminiPageUrl } from './list-models'
import { observedFromGeminiModel, parseGeminiPage } from './parse'
import { tableFields } from '../../../test/support/expected-rows/row'

describe('gemini parse', () => {
  it('turns both list pages into the README rows, limits and thinking read from the list', () => {
    const first = parseGeminiPage(page1)
    const second = parseGeminiPage(page2)
    expect(first.nextPageToken).toBe('Ch5tb2RlbHMvZ2VtaW5pLWVtYmVkZGluZy0wMDE=')
    expect(second.nextPageToken).toBeUndefined()
    expect([...first.models, ...second.models].map(tableFields)).toEqual(GEMINI_ROWS)
  })

  it('gets from the list object exactly what the per-model describe call would give', () => {
    expect(observedFromGeminiModel(describeModel)).toEqual(parseGeminiPage(page1).models[0])
  })

  it('accepts an empty account and rejects a malformed page', () => {
    expect(parseGeminiPage({})).toEqual({ models: [], nextPageToken: undefined })
    expect(() => parseGeminiPage({ models: [{ displayName: 'no name' }] })).toThrow(
      /decode Gemini catalog response: models\.0\.name/,
    )
    expect(() => parseGeminiPage({ models: {} })).toThrow(/decode Gemini catalog response: models/)
  })

  it('applies the Google vision allow-list to chat models only', () => {
    expect(googleSupportsVision('models/gemini-3-pro-preview')).toBe(true)
    expect(googleSupportsVision('gemini-pro-vision')).toBe(true)
    expect(googleSupportsVision('models/gemini-2.0-flash-live-translate')).toBe(false)
    expect(googleSupportsVision('models/gemma-3-27b-it')).toBe(false)
    expect(googleSupportsVision('models/gemini-1.0-pro')).toBe(false)
    const embedOnly = observedFromGeminiModel({
      name: 'models/gemini-2.5-x',
      supportedGenerationMethods: ['embedContent'],
    })
    expect(embedOnly).toMatchObject({ canChat: false, canEmbed: true, canVision: false })
  })

  it('asks for the largest page and sends the page token URL-encoded', () => {
    expect(geminiPageUrl('')).toBe(`${GEMINI_DEFAULT_BASE}/v1beta/models?pageSize=1000`)
    expect(geminiPageUrl('https://proxy.example/v1beta/', 'Ch5tb2RlbHMvZ2VtaW5pLWVtYmVkZGluZy0wMDE=')).toBe(
      'https://proxy.example/v1beta/models?pageSize=1000&pageToken=Ch5tb2RlbHMvZ2VtaW5pLWVtYmVkZGluZy0wMDE%3D',
    )
  })

  it('reads the Google error envelope, reasons included', () => {
    expect(readGoogleError(JSON.stringify(invalidKey))).toEqual({
      detail: 'API key not valid. Please pass a valid API key. (INVALID_ARGUMENT, API_KEY_INVALID)',
      reasons: ['API_KEY_INVALID'],
    })
    expect(readGoogleError(JSON.stringify(rateLimited)).detail).toBe(
      'Resource has been exhausted (e.g. check quota). (RESOURCE_EXHAUSTED)',
    )
    expect(readGoogleError('<html>bad gateway</html>')).toEqual({ detail: '<html>bad gateway</html>', reasons: [] })
  })
})
