import { describe, expect, it } from 'vitest'
import { htmlPageType, providerErrorDetail } from './error-text'

describe("providerErrorDetail: the provider's own message", () => {
  it.each([
    [
      'OpenAI',
      { error: { message: 'Incorrect API key', type: 'invalid_request_error', code: 'invalid_api_key' } },
      'Incorrect API key (invalid_api_key)',
    ],
    ['OpenRouter', { error: { code: 401, message: 'Missing Authentication header' } }, 'Missing Authentication header'],
    [
      'Anthropic',
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_1' },
      'overloaded_error: Overloaded',
    ],
    ['Google', { error: { code: 503, message: 'Unavailable', status: 'UNAVAILABLE' } }, 'Unavailable (UNAVAILABLE)'],
    ['Ollama, vLLM', { error: "model 'x' not found" }, "model 'x' not found"],
    [
      'Mistral',
      { object: 'error', message: 'Rate limit exceeded', type: 'rate_limited', code: '1300' },
      'Rate limit exceeded',
    ],
    ['Mistral 401', { detail: 'Unauthorized' }, 'Unauthorized'],
    ['AWS', { Message: 'Access denied' }, 'Access denied'],
    ['FastAPI', { detail: [{ loc: ['query'], msg: 'field required' }] }, 'field required'],
    ['anything else', { status: 'down', why: ['a', 'b'] }, '{"status":"down","why":["a","b"]}'],
  ])('%s', (_, body, detail) => {
    expect(providerErrorDetail(JSON.stringify(body, null, 2))).toBe(detail)
  })

  it('puts text on one line, clipped', () => {
    expect(providerErrorDetail('upstream\n\n  timed   out\n')).toBe('upstream timed out')
    expect(providerErrorDetail('z'.repeat(1000))).toBe(`${'z'.repeat(300)}…`)
  })
})

describe('htmlPageType', () => {
  it('knows an HTML page by its Content-Type or its first tag', () => {
    expect(htmlPageType('text/html; charset=utf-8', 'whatever')).toBe('text/html')
    expect(htmlPageType('application/json', ' <!doctype html><html>')).toBe('application/json')
    expect(htmlPageType(null, '<html><body>')).toBe('no Content-Type')
    expect(htmlPageType('application/json', '{"error":"<b>bold</b>"}')).toBeUndefined()
    expect(htmlPageType('text/plain', 'a < b')).toBeUndefined()
  })
})
