import { describe, expect, it } from 'vitest'
import page1 from '../../../fixtures/providers/anthropic/models-page1.json'
import page2 from '../../../fixtures/providers/anthropic/models-page2.json'
import { tableFields } from '../../../test/support/expected-rows/row'
import { ANTHROPIC_ROWS } from '../../../test/support/expected-rows/anthropic'
import { parseAnthropicPage } from './parse'

const model = (fields: Record<string, unknown>) => ({ id: 'claude-x', max_input_tokens: 1, max_tokens: 2, ...fields })
const one = (fields: Record<string, unknown>) =>
  parseAnthropicPage({ data: [model(fields)], has_more: false }).models[0]!

describe('anthropic parse', () => {
  it('turns both pages into the README rows, in order, and names the cursor', () => {
    const first = parseAnthropicPage(page1)
    const second = parseAnthropicPage(page2)
    expect(first.nextAfterId).toBe('claude-sonnet-4-5-20250929')
    expect(second.nextAfterId).toBeUndefined()
    expect([...first.models, ...second.models].map(tableFields)).toEqual(ANTHROPIC_ROWS)
  })

  it('keeps created_at as the modification time', () => {
    expect(parseAnthropicPage(page1).models[0]?.modifiedAt).toBe('2026-02-04T00:00:00Z')
    expect(one({ created_at: 'yesterday' }).modifiedAt).toBeUndefined()
  })

  it('reads thinking from any thinking or effort flag, vision from image_input', () => {
    const no = { supported: false }
    expect(one({ capabilities: { thinking: { supported: true } } }).canThink).toBe(true)
    expect(
      one({ capabilities: { thinking: { supported: false, types: { adaptive: { supported: true } } } } }).canThink,
    ).toBe(true)
    expect(
      one({ capabilities: { effort: { supported: false, medium: no, xhigh: { supported: true } } } }).canThink,
    ).toBe(true)
    expect(one({ capabilities: { effort: { supported: true } } }).canThink).toBe(true)
    expect(one({ capabilities: { thinking: no, effort: { supported: false, low: no, xhigh: null } } }).canThink).toBe(
      false,
    )
    expect(one({ capabilities: { image_input: { supported: true } } })).toMatchObject({
      canVision: true,
      canThink: false,
    })
    expect(one({ capabilities: null })).toMatchObject({ canVision: false, canThink: false, tools: null })
  })

  it('prefers max_output_tokens, then max_tokens, for the output limit', () => {
    expect(one({ max_output_tokens: 8192, max_tokens: 4096 }).maxOutputTokens).toBe(8192)
    expect(one({ max_output_tokens: 0, max_tokens: 4096 }).maxOutputTokens).toBe(4096)
    expect(one({ max_input_tokens: null, max_tokens: null })).toMatchObject({ contextLength: 0, maxOutputTokens: 0 })
  })

  it('continues after the last model when last_id is missing, and fails when it cannot continue', () => {
    expect(parseAnthropicPage({ data: [model({ id: 'a' }), model({ id: 'b' })], has_more: true }).nextAfterId).toBe('b')
    expect(() => parseAnthropicPage({ data: [], has_more: true })).toThrow(
      /^decode anthropic catalog response: has_more/,
    )
  })

  it('rejects a body without a model list', () => {
    expect(() => parseAnthropicPage({ models: [] })).toThrow(/^decode anthropic catalog response: data/)
  })
})
