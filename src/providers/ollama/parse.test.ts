import { describe, expect, it } from 'vitest'
import gemma from '../../../fixtures/providers/ollama/show-gemma3.json'
import llama from '../../../fixtures/providers/ollama/show-llama3.2.json'
import nomic from '../../../fixtures/providers/ollama/show-nomic-embed-text.json'
import qwen from '../../../fixtures/providers/ollama/show-qwen3.json'
import tagsWithCapabilities from '../../../fixtures/providers/ollama/tags-with-capabilities.json'
import tags from '../../../fixtures/providers/ollama/tags.json'
import { row, tableFields } from '../../../test/support/expected-rows/row'
import { OLLAMA_ROWS } from '../../../test/support/expected-rows/ollama'
import { contextFromModelInfo, observedFromTag, parseShow, parseTags, tagsCarryCapabilities } from './parse'

const expected = OLLAMA_ROWS
const shows: Record<string, unknown> = {
  'qwen3:8b': qwen,
  'gemma3:4b': gemma,
  'llama3.2:latest': llama,
  'nomic-embed-text:latest': nomic,
}

describe('ollama parse', () => {
  it('turns tags + show into the README rows', () => {
    const parsed = parseTags(tags)
    expect(tagsCarryCapabilities(parsed)).toBe(false)
    const models = parsed.map((tag) => observedFromTag(tag, parseShow(shows[tag.model ?? tag.name])))
    expect(models.map(tableFields)).toEqual(expected)
  })

  it('turns Ollama ≥ 0.30 tags alone into the same rows', () => {
    const parsed = parseTags(tagsWithCapabilities)
    expect(tagsCarryCapabilities(parsed)).toBe(true)
    expect(parsed.map((tag) => tableFields(observedFromTag(tag)))).toEqual(expected)
  })

  it('copies digest, size and modifiedAt from tags', () => {
    const [first] = parseTags(tags).map((tag) => observedFromTag(tag, parseShow(qwen)))
    expect(first).toMatchObject({
      digest: '500a1f067a9f782620b40bee6f7b0c89e17ae61f686b92c24933e4ca4b2b8b41',
      size: 5225388164,
      modifiedAt: '2026-07-30T09:14:22.118734562Z',
    })
  })

  it('keeps a model whose show failed, without capabilities', () => {
    const [tag] = parseTags(tags)
    expect(tableFields(observedFromTag(tag!))).toEqual({
      ...row('qwen3:8b | 0 | 0 | N | N | N | N | N | N | ?'),
    })
  })

  it('reads the architecture context key, not the loaded num_ctx', () => {
    // nomic: parameters say num_ctx 8192, model_info says 2048.
    expect(contextFromModelInfo(nomic.model_info)).toBe(2048)
    expect(contextFromModelInfo({ 'general.architecture': 'x', 'y.context_length': 7, 'x.context_length': 9 })).toBe(9)
    expect(contextFromModelInfo({ 'y.context_length': 7 })).toBe(7)
    expect(contextFromModelInfo(undefined)).toBe(0)
  })

  it('rejects a tags body of the wrong shape', () => {
    expect(() => parseTags({ models: 'nope' })).toThrow(/decode ollama API response: models/)
  })
})
