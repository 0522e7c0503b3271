import { describe, expect, it } from 'vitest'
import { adapters } from '../providers'
import type { BackendType } from '../providers/types'
import { catalogIdProblem, matchCatalog } from './match'
import { fixtureCatalog } from '../../test/support/catalog'

const catalog = fixtureCatalog()
const match = (type: BackendType, id: string, catalogId?: string) =>
  matchCatalog(catalog, adapters[type].catalog, id, catalogId)?.id

describe('matchCatalog, by exact id only', () => {
  it.each<[BackendType, string, string]>([
    ['openai', 'gpt-5', 'openai/gpt-5'],
    ['openai', 'text-embedding-3-small', 'openai/text-embedding-3-small'],
    ['anthropic', 'claude-sonnet-4-5-20250929', 'anthropic/claude-sonnet-4-5-20250929'],
    ['mistral', 'mistral-medium-2508', 'mistral/mistral-medium-2508'],
    ['openrouter', 'meta-llama/llama-3.3-70b-instruct:free', 'openrouter/meta-llama/llama-3.3-70b-instruct:free'],
    // Gemini's list names models `models/<id>`.
    ['gemini', 'models/gemini-2.5-pro', 'google/gemini-2.5-pro'],
    // Vertex: the id as listed, without its version, or as its default version; google-vertex first.
    ['vertex-google', 'gemini-2.5-flash', 'google-vertex/gemini-2.5-flash'],
    ['vertex-google', 'claude-opus-4-6', 'google-vertex/claude-opus-4-6@default'],
    ['vertex-google', 'claude-sonnet-4-5@20250929', 'google-vertex/claude-sonnet-4-5@20250929'],
    ['vertex-google', 'gemini-2.5-pro@001', 'google-vertex/gemini-2.5-pro'],
    // Bedrock: a profile the catalog lists is itself; another is its foundation model.
    [
      'bedrock',
      'anthropic.claude-sonnet-4-5-20250929-v1:0',
      'amazon-bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0',
    ],
    [
      'bedrock',
      'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'amazon-bedrock/global.anthropic.claude-sonnet-4-5-20250929-v1:0',
    ],
    ['bedrock', 'us.meta.llama3-3-70b-instruct-v1:0', 'amazon-bedrock/meta.llama3-3-70b-instruct-v1:0'],
    ['bedrock', 'apac.amazon.nova-pro-v1:0', 'amazon-bedrock/amazon.nova-pro-v1:0'],
    ['bedrock', 'eu.deepseek.r1-v1:0', 'amazon-bedrock/deepseek.r1-v1:0'],
  ])('%s %s → %s', (type, id, expected) => {
    expect(match(type, id)).toBe(expected)
  })

  it.each<[BackendType, string]>([
    // Near misses the catalog does not list: never the nearest name.
    ['openai', 'gpt-3.5-turbo-instruct'],
    ['openai', 'ft:gpt-4o-mini-2024-07-18:acme::AbC12xYz'],
    ['openai', 'GPT-4o'],
    ['mistral', 'magistral-medium-2509'],
    ['gemini', 'models/gemini-2.5-pro-001'],
    ['gemini', 'models/gemma-3-27b-it'],
    ['openrouter', 'openai/text-embedding-3-small'],
    ['bedrock', 'anthropic.claude-3-haiku-20240307-v1:0'],
    ['bedrock', 'xx.deepseek.r1-v1:0'],
    ['vertex-google', 'text-embedding-005'],
    ['anthropic', 'claude-sonnet-4-5-2025'],
  ])('%s %s matches nothing', (type, id) => {
    expect(match(type, id)).toBeUndefined()
  })

  it('matches self-hosted models only by a declared catalogId', () => {
    expect(match('ollama', 'gpt-4o')).toBeUndefined()
    expect(match('vllm', 'meta-llama/llama-3.3-70b-instruct:free')).toBeUndefined()
    expect(match('vllm', 'anything', 'openrouter/meta-llama/llama-3.3-70b-instruct:free')).toBe(
      'openrouter/meta-llama/llama-3.3-70b-instruct:free',
    )
    expect(match('ollama', 'qwen', 'openai/no-such-model')).toBeUndefined()
    expect(match('ollama', 'qwen', 'no-such-provider/gpt-4o')).toBeUndefined()
  })

  it('lets a declared catalogId win over the mapping, and never falls back from it', () => {
    expect(match('openai', 'gpt-4o', 'openai/gpt-5')).toBe('openai/gpt-5')
    expect(match('openai', 'gpt-4o', 'openai/nope')).toBeUndefined()
  })

  it('carries the catalog date and the entry', () => {
    const found = matchCatalog(catalog, adapters.openai.catalog, 'gpt-4o')
    expect(found).toMatchObject({ date: '2026-07-01T16:40:28.000Z', model: { limit: { context: 128000 } } })
  })

  it('reads ids that look like object keys as ids', () => {
    expect(match('openai', '__proto__')).toBeUndefined()
    expect(match('openai', 'constructor')).toBeUndefined()
  })
})

describe('catalogIdProblem', () => {
  it('wants provider/model', () => {
    expect(catalogIdProblem('openai/gpt-4o')).toBeUndefined()
    expect(catalogIdProblem('openrouter/meta-llama/llama-3.3-70b-instruct')).toBeUndefined()
    for (const bad of ['gpt-4o', '/gpt-4o', 'openai/']) expect(catalogIdProblem(bad)).toMatch(/provider\/model/)
  })
})
