import { describe, expect, it } from 'vitest'
import type { DeclaredModel } from '../db/declared'
import { ProviderError } from '../errors/provider-error'
import { ollama } from '../providers/ollama'
import { openai } from '../providers/openai'
import type { ObservedModel } from '../providers/types'
import { vllm } from '../providers/vllm'
import type { BackendRecord, BackendRuntimeState } from '../published/types'
import { type MergeInput, indexOverrides, mergeBackend } from './merge'

const backend: BackendRecord = {
  id: 'b1',
  name: 'one',
  baseUrl: 'http://h',
  type: 'ollama',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
}
const NOW = '2026-11-27T12:00:00.000Z'

function observed(name: string, fields: Partial<ObservedModel> = {}): ObservedModel {
  return {
    name,
    contextLength: 0,
    maxOutputTokens: 0,
    canChat: false,
    canEmbed: false,
    canPrompt: false,
    canStream: false,
    canThink: false,
    canVision: false,
    tools: null,
    ...fields,
  }
}

function declared(model: string, fields: Partial<DeclaredModel> = {}): DeclaredModel {
  return {
    id: `id-${model}`,
    model,
    canChat: false,
    canEmbed: false,
    canPrompt: false,
    canStream: false,
    contextLength: 0,
    catalogId: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-02-02T00:00:00.000Z',
    ...fields,
  }
}

function merge(input: Partial<MergeInput> & { models?: ObservedModel[] }) {
  const { models = [], ...rest } = input
  return mergeBackend({
    backend,
    type: 'ollama',
    adapter: ollama,
    declared: [],
    outcome: { ok: true, models, warnings: [], fromCache: false, latencyMs: 12 },
    previous: undefined,
    overrides: indexOverrides([]),
    autoDiscover: true,
    checkedAt: NOW,
    ...rest,
  })
}

describe('Ollama: declared intent adds, never removes', () => {
  const models = [
    observed('qwen3:8b', { contextLength: 40960, canChat: true, canPrompt: true, canStream: true, canThink: true }),
    observed('nomic', { contextLength: 2048, canEmbed: true }),
  ]

  it('ORs declared flags into observed ones and lets a declared context win', () => {
    const { state } = merge({
      models,
      declared: [declared('nomic', { canChat: true, contextLength: 8192 })],
    })
    expect(state.pulledModels.find((m) => m.model === 'nomic')).toMatchObject({
      canEmbed: true,
      canChat: true,
      contextLength: 8192,
    })
    expect(state.pulledModels.find((m) => m.model === 'qwen3:8b')).toMatchObject({ canThink: true, canChat: true })
  })

  it('learns the context of a declared model that has none, and nothing else', () => {
    const { state, learnedContexts } = merge({ models, declared: [declared('qwen3:8b', { canEmbed: true })] })
    expect(learnedContexts).toEqual([{ id: 'id-qwen3:8b', contextLength: 40960 }])
    expect(state.pulledModels[0]).toMatchObject({ contextLength: 40960, canEmbed: true, canChat: true })
  })

  it('keeps every observed model whether declared or not, even with auto discovery off', () => {
    const { state } = merge({ models, declared: [declared('other')], autoDiscover: false })
    expect(state.models).toEqual(['nomic', 'qwen3:8b'])
    expect(state.status).toBe('healthy')
    expect(state.error).toBeUndefined()
  })

  it('reports a partial listing as degraded but usable', () => {
    const { state } = merge({
      outcome: { ok: true, models, warnings: ['show failed'], fromCache: false, latencyMs: 1 },
    })
    expect(state).toMatchObject({ status: 'degraded', warnings: ['show failed'] })
    expect(state.error).toBeUndefined()
  })
})

describe('vLLM: declared models filter', () => {
  const models = [observed('qwen3-8b', { contextLength: 32768, canChat: true, canPrompt: true, canStream: true })]

  it('replaces a declared match with the declared record and learns its context', () => {
    const { state, learnedContexts } = merge({
      type: 'vllm',
      adapter: vllm,
      models,
      declared: [declared('qwen3-8b', { canEmbed: true })],
    })
    expect(state.pulledModels).toEqual([
      {
        name: 'id-qwen3-8b',
        model: 'qwen3-8b',
        modifiedAt: '2026-02-02T00:00:00.000Z',
        contextLength: 32768,
        maxOutputTokens: 0,
        canChat: false,
        canEmbed: true,
        canPrompt: false,
        canStream: false,
        canThink: false,
        canVision: false,
        tools: null,
        claims: { 'limits.context': [{ value: 32768, source: 'discovered' }] },
      },
    ])
    expect(learnedContexts).toEqual([{ id: 'id-qwen3-8b', contextLength: 32768 }])
  })

  it("keeps a declared context beside the listing's, and the declared catalogId, for the catalog step to resolve", () => {
    const { state } = merge({
      type: 'vllm',
      adapter: vllm,
      models,
      declared: [declared('qwen3-8b', { canChat: true, contextLength: 8192, catalogId: 'openrouter/qwen/qwen3-8b' })],
    })
    expect(state.pulledModels[0]).toMatchObject({
      contextLength: 8192,
      catalogId: 'openrouter/qwen/qwen3-8b',
      claims: {
        'limits.context': [
          { value: 32768, source: 'discovered' },
          { value: 8192, source: 'declared' },
        ],
      },
    })
  })

  it('drops undeclared models without auto discovery and says none of the declared ones is served', () => {
    const { state } = merge({
      type: 'vllm',
      adapter: vllm,
      models,
      declared: [declared('zeta'), declared('alpha')],
      autoDiscover: false,
    })
    expect(state).toMatchObject({ status: 'degraded', errorKind: 'no_declared_models', pulledModels: [] })
    expect(state.error).toBe(
      'None of the declared models are available in the vLLM API: declared models: alpha:id-alpha alpha, zeta:id-zeta zeta \navailable models [qwen3-8b]',
    )
  })

  it('keeps undeclared models with auto discovery', () => {
    const { state } = merge({ type: 'vllm', adapter: vllm, models, declared: [declared('zeta')] })
    expect(state.models).toEqual(['qwen3-8b'])
    expect(state.status).toBe('healthy')
  })
})

describe('OpenAI: :latest stripped, declared context always wins', () => {
  it('matches gpt-4o:latest to gpt-4o and never learns a context', () => {
    const { state, learnedContexts } = merge({
      type: 'openai',
      adapter: openai,
      models: [observed('gpt-4o', { contextLength: 128000, maxOutputTokens: 16384, canChat: true })],
      declared: [declared('gpt-4o:latest', { canChat: true })],
      autoDiscover: false,
    })
    expect(state.pulledModels).toMatchObject([
      { name: 'id-gpt-4o:latest', model: 'gpt-4o:latest', contextLength: 0, maxOutputTokens: 16384, canChat: true },
    ])
    expect(learnedContexts).toEqual([])
  })

  it('names OpenAI in the none-declared message, with stripped keys', () => {
    const { state } = merge({
      type: 'openai',
      adapter: openai,
      models: [observed('gpt-5'), observed('text-embedding-3-small')],
      declared: [declared('gpt-4o:latest')],
      autoDiscover: false,
    })
    expect(state.error).toBe(
      'None of the declared models are available in the OpenAI API: declared models: gpt-4o:id-gpt-4o:latest gpt-4o:latest \navailable models [gpt-5 text-embedding-3-small]',
    )
  })
})

describe('capability overrides', () => {
  it('replace think and vision only, keyed by lower-cased provider and model id', () => {
    const { state } = merge({
      models: [observed('qwen3:8b', { canThink: true, canChat: true, contextLength: 10 })],
      overrides: indexOverrides([{ provider: 'OLLAMA', model: 'qwen3:8b', canThink: false, canVision: true }]),
    })
    expect(state.pulledModels[0]).toMatchObject({ canThink: false, canVision: true, canChat: true, contextLength: 10 })
    // The override is a claim of its own, above the listing's: the listing's value stays as a conflict.
    expect(state.pulledModels[0]!.claims).toMatchObject({
      'capabilities.reasoning': [
        { value: true, source: 'discovered' },
        { value: false, source: 'override' },
      ],
      'capabilities.vision': [{ value: true, source: 'override' }],
    })
  })

  it('leave a flag alone when the override does not set it', () => {
    const { state } = merge({
      models: [observed('m', { canThink: true })],
      overrides: indexOverrides([{ provider: 'ollama', model: 'm', canThink: null, canVision: true }]),
    })
    expect(state.pulledModels[0]).toMatchObject({ canThink: true, canVision: true })
  })
})

describe('health history', () => {
  const previous = {
    lastSuccessAt: '2026-11-27T11:00:00.000Z',
    consecutiveFailures: 2,
  } as BackendRuntimeState

  it('counts a failure on top of the previous ones and keeps the last success', () => {
    const { state } = merge({
      previous,
      outcome: { ok: false, error: new ProviderError('timeout', 'late'), latencyMs: 10_000 },
    })
    expect(state).toMatchObject({
      status: 'down',
      error: 'late',
      errorKind: 'timeout',
      consecutiveFailures: 3,
      lastSuccessAt: '2026-11-27T11:00:00.000Z',
      pulledModels: [],
      models: [],
      latencyMs: 10_000,
    })
  })

  it('resets the count on success and does not count a missing key as a failure', () => {
    expect(merge({ previous }).state).toMatchObject({ consecutiveFailures: 0, lastSuccessAt: NOW, status: 'healthy' })
    const unconfigured = merge({
      previous,
      outcome: { ok: false, error: new ProviderError('unconfigured', 'API key not configured'), latencyMs: 0 },
    })
    expect(unconfigured.state).toMatchObject({ status: 'unconfigured', consecutiveFailures: 0 })
  })

  it('keeps the previous success time when the list came from the cache', () => {
    const { state } = merge({
      previous,
      outcome: { ok: true, models: [observed('m')], warnings: [], fromCache: true, latencyMs: 0 },
    })
    expect(state.lastSuccessAt).toBe('2026-11-27T11:00:00.000Z')
  })
})
