import { describe, expect, it } from 'vitest'
import { observedFromOpenAIId } from '../providers/openai/parse'
import { adapters } from '../providers'
import { pullStatusFromObserved } from '../reconcile/merge'
import { observedModel } from '../../test/support/providers'
import { withClaim } from './claims'
import { enrichModel, withPublishedFacts } from './enrich'
import { EMPTY_CATALOG } from './match'
import { fixtureCatalog } from '../../test/support/catalog'

const catalog = fixtureCatalog('2026-07-01T16:40:28.000Z')
const observed = observedModel

describe('enrichModel: the catalog fills what the listing does not say', () => {
  it('gives an OpenAI id its limits, capabilities, prices and dates from the catalog, each sourced', () => {
    const model = enrichModel(pullStatusFromObserved(observedFromOpenAIId('gpt-4o')), catalog, adapters.openai.catalog)
    expect(model).toMatchObject({
      limits: { context: 128000, input: null, output: 16384 },
      capabilities: { tools: true, reasoning: false, vision: true, structuredOutput: true, attachments: true },
      modalities: { input: ['image', 'pdf', 'text'], output: ['text'] },
      pricing: { input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: null },
      knowledgeCutoff: '2023-09',
      releaseDate: '2024-05-13',
      lifecycle: { status: 'active', date: null },
      catalog: { id: 'openai/gpt-4o', date: '2026-07-01T16:40:28.000Z' },
      // The flat fields follow.
      contextLength: 128000,
      maxOutputTokens: 16384,
      canVision: true,
      tools: true,
    })
    expect(model.sources.limits).toEqual({ context: 'catalog', input: 'unknown', output: 'catalog' })
    expect(model.sources.pricing).toEqual({
      input: 'catalog',
      output: 'catalog',
      cacheRead: 'catalog',
      cacheWrite: 'unknown',
    })
    // The name rule said vision too: catalog outranks rule, and an agreeing value is no conflict.
    expect(model.sources.capabilities.vision).toBe('catalog')
    expect(model.conflicts).toEqual([])
    expect(model).not.toHaveProperty('claims')
  })

  it('keeps name rules as the fallback for an id the catalog lacks, and unknown unknown', () => {
    const model = enrichModel(
      pullStatusFromObserved(observedFromOpenAIId('gpt-4o-2099-01-01')),
      catalog,
      adapters.openai.catalog,
    )
    expect(model.catalog).toBeNull()
    expect(model.capabilities.vision).toBe(true)
    expect(model.sources.capabilities.vision).toBe('rule')
    expect(model.limits).toEqual({ context: null, input: null, output: null })
    expect(model.pricing).toEqual({ input: null, output: null, cacheRead: null, cacheWrite: null })
    expect(model.sources.pricing.input).toBe('unknown')
    expect(model.contextLength).toBe(0)
  })

  it('publishes the listing over the catalog and keeps the catalog value as a conflict (vLLM 32k vs 128k)', () => {
    const listed = {
      ...pullStatusFromObserved(observed('llama', { contextLength: 32768 })),
      catalogId: 'openai/gpt-4o',
    }
    const model = enrichModel(listed, catalog, adapters.vllm.catalog)
    expect(model.limits.context).toBe(32768)
    expect(model.sources.limits.context).toBe('discovered')
    expect(model.contextLength).toBe(32768)
    expect(model.conflicts).toContainEqual({ field: 'limits.context', value: 128000, source: 'catalog' })
    // What the listing does not say still comes from the catalog.
    expect(model.sources.limits.output).toBe('catalog')
  })

  it('ranks override > discovered > declared > catalog > rule', () => {
    let claims = withClaim({}, 'limits.context', 1000, 'rule')
    claims = withClaim(claims, 'limits.context', 2000, 'declared')
    const declared = enrichModel(
      { ...pullStatusFromObserved(observed('gpt-4o')), claims },
      catalog,
      adapters.openai.catalog,
    )
    expect([declared.limits.context, declared.sources.limits.context]).toEqual([2000, 'declared'])
    expect(declared.conflicts).toEqual(
      expect.arrayContaining([
        { field: 'limits.context', value: 128000, source: 'catalog' },
        { field: 'limits.context', value: 1000, source: 'rule' },
      ]),
    )
    claims = withClaim(claims, 'capabilities.vision', false, 'override')
    claims = withClaim(claims, 'capabilities.vision', true, 'discovered')
    const overridden = enrichModel(
      { ...pullStatusFromObserved(observed('gpt-4o')), claims },
      catalog,
      adapters.openai.catalog,
    )
    expect([overridden.capabilities.vision, overridden.sources.capabilities.vision]).toEqual([false, 'override'])
    expect(overridden.canVision).toBe(false)
  })

  it("leaves an embedding model's output limit out: models.dev stores its vector size there", () => {
    const model = enrichModel(
      pullStatusFromObserved(observed('models/gemini-embedding-001', { canChat: false, canEmbed: true })),
      catalog,
      adapters.gemini.catalog,
    )
    expect(model.catalog?.id).toBe('google/gemini-embedding-001')
    expect(model.limits.output).toBeNull()
    expect(model.sources.limits.output).toBe('unknown')
    expect(model.pricing.output).toBe(0)
  })

  it('publishes a free model at 0 and a model without a price as unknown', () => {
    const free = enrichModel(
      pullStatusFromObserved(observed('meta-llama/llama-3.3-70b-instruct:free')),
      catalog,
      adapters.openrouter.catalog,
    )
    expect(free.pricing).toMatchObject({ input: 0, output: 0 })
    const none = enrichModel(pullStatusFromObserved(observed('x')), EMPTY_CATALOG, adapters.openrouter.catalog)
    expect(none.pricing.input).toBeNull()
    expect(none.catalog).toBeNull()
  })

  it('publishes what an OpenRouter listing states as discovered, prices included', () => {
    const model = enrichModel(
      pullStatusFromObserved(
        observed('openai/gpt-4o', { contextLength: 64000, stated: { pricing: { input: 2.5, output: 12 } } }),
      ),
      catalog,
      adapters.openrouter.catalog,
    )
    expect(model.sources.pricing).toMatchObject({ input: 'discovered', output: 'discovered' })
    expect(model.pricing.output).toBe(12)
    expect(model.conflicts).toContainEqual({ field: 'pricing.output', value: 10, source: 'catalog' })
  })
})

describe('withPublishedFacts', () => {
  it('gives a model published before facts had sources the facts its flat fields say, and leaves others alone', () => {
    const { claims: _c, ...old } = pullStatusFromObserved(observed('m', { contextLength: 8192, tools: true }))
    const upgraded = withPublishedFacts(old)
    expect(upgraded).toMatchObject({
      limits: { context: 8192 },
      capabilities: { tools: true, vision: null },
      catalog: null,
    })
    expect(upgraded.sources.limits.context).toBe('discovered')
    const current = enrichModel(
      pullStatusFromObserved(observedFromOpenAIId('gpt-4o')),
      catalog,
      adapters.openai.catalog,
    )
    expect(withPublishedFacts(current)).toBe(current)
  })
})

describe('modalities', () => {
  it('compare as sets: a listing and the catalog naming the same ones in another order do not conflict', () => {
    const model = enrichModel(
      pullStatusFromObserved(
        observed('openai/gpt-4o', {
          stated: { modalities: { input: ['Image', 'text', 'pdf', 'text'], output: ['text'] } },
        }),
      ),
      catalog,
      adapters.openrouter.catalog,
    )
    expect(model.modalities.input).toEqual(['image', 'pdf', 'text'])
    expect(model.conflicts.filter((c) => c.field.startsWith('modalities'))).toEqual([])
  })

  it('leave out what is not a modality name', () => {
    const model = enrichModel(
      pullStatusFromObserved(observed('x', { stated: { modalities: { input: ['text', 'sk-test,1', ''] } } })),
      EMPTY_CATALOG,
      undefined,
    )
    expect(model.modalities.input).toEqual(['text'])
  })
})
