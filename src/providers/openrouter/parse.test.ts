import { describe, expect, it } from 'vitest'
import embeddings from '../../../fixtures/providers/openrouter/embeddings-models.json'
import models from '../../../fixtures/providers/openrouter/models.json'
import {
  OPENROUTER_EMBEDDINGS_ROWS,
  OPENROUTER_MODELS_ROWS,
  OPENROUTER_ROWS,
} from '../../../test/support/expected-rows/openrouter'
import { mergeById, parseOpenRouterModels } from './parse'
import { tableFields } from '../../../test/support/expected-rows/row'

const chatModel = (fields: Record<string, unknown>) => ({
  id: 'x/model',
  context_length: 1000,
  architecture: { modality: 'text->text', input_modalities: ['text'], output_modalities: ['text'] },
  top_provider: { context_length: null, max_completion_tokens: null },
  supported_parameters: [],
  ...fields,
})
const one = (model: Record<string, unknown>) => parseOpenRouterModels({ data: [model] }).models

describe('openrouter parse', () => {
  it('turns models.json into the README rows, dropping the image-only model', () => {
    const page = parseOpenRouterModels(models)
    expect(page.models.map(tableFields)).toEqual(OPENROUTER_MODELS_ROWS)
    expect(page.next).toBeUndefined()
    expect(page.models.map((m) => m.name)).not.toContain('black-forest-labs/flux.2-pro')
  })

  it('turns embeddings-models.json into embed-only rows', () => {
    expect(parseOpenRouterModels(embeddings).models.map(tableFields)).toEqual(OPENROUTER_EMBEDDINGS_ROWS)
  })

  it('merges both lists by id, one record per model', () => {
    const merged = mergeById(parseOpenRouterModels(models).models, parseOpenRouterModels(embeddings).models)
    expect(merged.map(tableFields)).toEqual(OPENROUTER_ROWS)
    expect(merged).toHaveLength(8)
    expect(merged.filter((m) => m.name === 'openai/text-embedding-3-small')).toHaveLength(1)
  })

  it('takes the top provider context, else the model context', () => {
    expect(one(chatModel({ top_provider: { context_length: 64000 } }))[0]?.contextLength).toBe(64000)
    expect(one(chatModel({ top_provider: { context_length: null } }))[0]?.contextLength).toBe(1000)
    expect(one(chatModel({ top_provider: null, context_length: null }))[0]?.contextLength).toBe(0)
  })

  it('reads thinking from the reasoning object or parameters, tools from the parameters', () => {
    expect(one(chatModel({ reasoning: { mandatory: false } }))[0]).toMatchObject({ canThink: true, tools: false })
    expect(one(chatModel({ supported_parameters: ['include_reasoning'] }))[0]?.canThink).toBe(true)
    expect(one(chatModel({ supported_parameters: ['tools'] }))[0]).toMatchObject({ canThink: false, tools: true })
    expect(one(chatModel({ supported_parameters: null }))[0]?.tools).toBeNull()
  })

  it('falls back to the modality string when the modality lists are missing', () => {
    const [vision] = one(chatModel({ architecture: { modality: 'text+image->text' } }))
    expect(vision).toMatchObject({ canChat: true, canVision: true })
    expect(one(chatModel({ architecture: { modality: 'text->audio' } }))).toEqual([])
    expect(one(chatModel({ architecture: null }))).toEqual([])
  })

  it('names a next page when the server sends one', () => {
    expect(parseOpenRouterModels({ data: [], links: { next: '/api/v1/models?offset=2' } }).next).toBe(
      '/api/v1/models?offset=2',
    )
  })

  it('rejects a body without a model list', () => {
    expect(() => parseOpenRouterModels({ error: { code: 500 } })).toThrow(/^decode openrouter catalog response: data/)
    expect(() => parseOpenRouterModels({ data: [{ name: 'no id' }] })).toThrow(
      /decode openrouter catalog response: data\.0\.id/,
    )
  })
})
