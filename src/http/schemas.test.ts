import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ERROR_KINDS } from '../errors/provider-error'
import type { BackendRuntimeState } from '../published/types'
import { mergedModels } from '../views/models'
import { openAIModelList } from '../views/openai-models'
import { providersFromSnapshot } from '../views/providers'
import { backendStateSchema, mergedModelSchema, openAIModelListSchema, providerEntrySchema } from './schemas'

// That each schema is exactly its published type is checked by tsc (_PublishedSchemasMatch in
// schemas.ts); these check what tsc cannot see: what the schema accepts and what /openapi.json says.

const state: BackendRuntimeState = {
  id: 'b1',
  name: 'gpu-1',
  models: ['llama3'],
  pulledModels: [
    {
      name: 'llama3',
      model: 'llama3',
      contextLength: 8192,
      maxOutputTokens: 0,
      canChat: true,
      canEmbed: false,
      canPrompt: true,
      canStream: true,
      canThink: false,
      canVision: false,
      tools: null,
      modifiedAt: '2026-01-01T00:00:00.000Z',
      size: 4_000_000_000,
      digest: 'sha256:0',
      firstSeenAt: '2026-01-01T00:00:00.000Z',
      observedAt: '2026-01-01T00:00:00.000Z',
      stale: true,
      limits: { context: 8192, input: null, output: 2048 },
      capabilities: { tools: true, reasoning: false, vision: null, structuredOutput: true, attachments: false },
      modalities: { input: ['image', 'text'], output: ['text'] },
      pricing: { input: 0.15, output: 0.6, cacheRead: 0.075, cacheWrite: null },
      knowledgeCutoff: '2025-06',
      releaseDate: '2025-09-01',
      lifecycle: { status: 'deprecated', date: '2026-01-01' },
      sources: {
        limits: { context: 'declared', input: 'unknown', output: 'catalog' },
        capabilities: {
          tools: 'discovered',
          reasoning: 'override',
          vision: 'unknown',
          structuredOutput: 'catalog',
          attachments: 'rule',
        },
        modalities: { input: 'catalog', output: 'catalog' },
        pricing: { input: 'catalog', output: 'catalog', cacheRead: 'catalog', cacheWrite: 'unknown' },
        knowledgeCutoff: 'catalog',
        releaseDate: 'catalog',
        lifecycle: 'catalog',
      },
      catalog: { id: 'ollama/llama3', date: '2026-01-01' },
      conflicts: [{ field: 'limits.context', value: 4096, source: 'discovered' }],
    },
  ],
  backend: {
    id: 'b1',
    name: 'gpu-1',
    baseUrl: 'http://127.0.0.1:11434',
    type: 'ollama',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  },
  status: 'suspect',
  error: 'Ollama at 127.0.0.1:11434: connection refused',
  errorKind: 'network',
  warnings: ['one warning'],
  checkedAt: '2026-01-01T00:00:00.000Z',
  lastSuccessAt: null,
  consecutiveFailures: 3,
  latencyMs: 12,
  uptime: { '1h': 0.5, '24h': 0.9, '7d': null },
  latency24h: { p50Ms: 100, p95Ms: 300 },
  retryAfterUntil: '2026-01-01T00:10:00.000Z',
}

describe('backendStateSchema', () => {
  it('accepts a published state with every field set, dropping nothing', () => {
    expect(backendStateSchema.parse(state)).toEqual(state)
  })

  it('documents every published fact, and the sources a fact can come from', () => {
    const documented = z.toJSONSchema(backendStateSchema).$defs ?? {}
    expect(documented.ModelPullStatus).toMatchObject({
      required: expect.arrayContaining(['limits', 'capabilities', 'pricing', 'sources', 'conflicts']) as unknown,
    })
    expect(documented.FactSources).toMatchObject({
      properties: { lifecycle: { enum: ['override', 'discovered', 'declared', 'catalog', 'rule', 'unknown'] } },
    })
  })

  it('documents the error kinds a state can carry', () => {
    const documented = z.toJSONSchema(backendStateSchema).$defs?.BackendRuntimeState
    expect(documented).toMatchObject({ properties: { errorKind: { enum: [...ERROR_KINDS] } } })
  })
})

describe("the views' schemas", () => {
  it('accept /providers entries, /models and /v1/models with every fact set, dropping nothing', () => {
    const [entry] = providersFromSnapshot([state], { types: [], capabilities: [] })
    expect(providerEntrySchema.parse(entry)).toEqual(entry)
    const [merged] = mergedModels([state])
    expect(mergedModelSchema.parse(merged)).toEqual(merged)
    const list = openAIModelList([state], new Date('2026-01-01T00:00:00.000Z'))
    expect(list.data[0]).toMatchObject({
      context_length: 8192,
      pricing: { prompt: '0.00000015', completion: '0.0000006' },
    })
    expect(openAIModelListSchema.parse(list)).toEqual(list)
  })
})
