import fc from 'fast-check'
import type { BackendRuntimeState, FactSource, ModelCatalogFacts, ModelPullStatus } from '../../src/published/types'
import type { FactFilter } from '../../src/views/fact-filter'
import { CAPABILITIES, type ProviderFilter } from '../../src/views/providers'

/** Random fleets and filters for the property tests of the views (test-only). */

const TYPES = ['vllm', 'ollama', 'openai', 'Gemini'] as const
/** null: unknown. */
const CONTEXTS = [null, 2048, 4096, 8192, 32768, 65536, 131072, 200000] as const
const OUTPUTS = [null, null, 1024, 8192, 64000] as const
/** USD per million tokens; unknown often, free sometimes. */
const PRICES = [null, null, 0, 0.15, 0.6, 3, 15] as const
const MODALITIES = ['text', 'image', 'audio', 'pdf'] as const
const known = fc.constantFrom(true, false, null)
const modalities = fc
  .constantFrom(null, '', 'text', 'image,text', 'text,image,audio', 'pdf,text')
  .map((list) => (list === null ? null : list.split(',').filter(Boolean)))

/** The catalog facts a model publishes: unknown (null) as often as not. */
const facts = fc.record({
  limits: fc.record({
    context: fc.constantFrom(...CONTEXTS),
    input: fc.constantFrom(null, 100000),
    output: fc.constantFrom(...OUTPUTS),
  }),
  capabilities: fc.record({
    tools: known,
    reasoning: known,
    vision: known,
    structuredOutput: known,
    attachments: known,
  }),
  modalities: fc.record({ input: modalities, output: modalities }),
  pricing: fc.record({
    input: fc.constantFrom(...PRICES),
    output: fc.constantFrom(...PRICES),
    cacheRead: fc.constantFrom(null, 0.075),
    cacheWrite: fc.constantFrom(null, 3.75),
  }),
  matched: fc.boolean(),
})

/** Where each fact came from: `catalog` when the model matched an entry, else its listing. */
function sourced({ matched, ...f }: typeof facts extends fc.Arbitrary<infer F> ? F : never): ModelCatalogFacts {
  const from = (value: unknown): FactSource => (value === null ? 'unknown' : matched ? 'catalog' : 'discovered')
  const each = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, from(v)])) as Record<keyof T, FactSource>
  return {
    ...f,
    knowledgeCutoff: matched ? '2025-06' : null,
    releaseDate: matched ? '2025-09-01' : null,
    lifecycle: matched ? { status: 'active', date: null } : null,
    sources: {
      limits: each(f.limits),
      capabilities: each(f.capabilities),
      modalities: each(f.modalities),
      pricing: each(f.pricing),
      knowledgeCutoff: from(matched || null),
      releaseDate: from(matched || null),
      lifecycle: from(matched || null),
    },
    catalog: matched ? { id: 'openai/m-a', date: '2026-11-01' } : null,
    conflicts: matched && f.limits.context !== null ? [{ field: 'limits.context', value: 1024, source: 'rule' }] : [],
  }
}

const model: fc.Arbitrary<ModelPullStatus> = fc
  .record({
    id: fc.constantFrom('m-a', 'm-b', 'm-c', 'émbed-ü', 'm/é-d', 'x'),
    facts,
    flags: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    stale: fc.boolean(),
    // Usually one listing time for all of a backend's models; not always.
    observedAt: fc.constantFrom('2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', '2026-11-30T23:55:00.000Z'),
    // Sometimes published before facts had sources (a backend not asked since): its flat fields alone.
    legacy: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
  })
  .map(({ id, facts, flags, stale, observedAt, legacy }) => {
    const published = sourced(facts)
    const { limits, capabilities } = published
    const flat = {
      name: id,
      model: id,
      // Filled from the facts, as the cycle fills them (unknown: 0 or false).
      contextLength: limits.context ?? 0,
      maxOutputTokens: limits.output ?? 0,
      canChat: flags[0]!,
      canEmbed: flags[1]!,
      canPrompt: flags[2]!,
      canStream: flags[3]!,
      canThink: capabilities.reasoning ?? false,
      canVision: capabilities.vision ?? false,
      tools: capabilities.tools,
      firstSeenAt: '2026-11-30T00:00:00.000Z',
      observedAt,
      stale,
    }
    return legacy ? (flat as ModelPullStatus) : { ...flat, ...published }
  })

/** A fleet in snapshot order, ids unique. */
export const fleet: fc.Arbitrary<BackendRuntimeState[]> = fc
  .array(
    fc.record({
      type: fc.constantFrom(...TYPES),
      models: fc.uniqueArray(model, { maxLength: 6, selector: (m) => m.model }),
      failed: fc.boolean(),
      error: fc.constantFrom('unreachable', 'returned 503: «busy» after 1502 ms'),
      warnings: fc.option(fc.array(fc.constantFrom('slow', 'détails manquants'), { minLength: 1, maxLength: 2 }), {
        nil: undefined,
      }),
      retryAfterUntil: fc.option(fc.constant('2026-12-01T00:10:00.000Z'), { nil: undefined }),
    }),
    { maxLength: 30 },
  )
  .map((backends) =>
    backends.map(({ type, models, failed, error, warnings, retryAfterUntil }, i) => {
      const id = `b${String(i).padStart(3, '0')}`
      return {
        id,
        name: `backend "${i}"`,
        models: failed ? [] : models.map((m) => m.model).sort(),
        pulledModels: failed ? [] : models,
        backend: { id, name: `backend "${i}"`, baseUrl: `http://h${i}`, type, createdAt: '', updatedAt: '' },
        status: failed ? ('down' as const) : ('healthy' as const),
        ...(failed ? { error, errorKind: 'network' as const } : {}),
        ...(warnings ? { warnings } : {}),
        checkedAt: '2026-12-01T00:00:00.000Z',
        lastSuccessAt: null,
        consecutiveFailures: failed ? 1 : 0,
        latencyMs: i,
        uptime: { '1h': null, '24h': 0.5, '7d': 0.75 },
        latency24h: { p50Ms: 100, p95Ms: null },
        ...(retryAfterUntil ? { retryAfterUntil } : {}),
      }
    }),
  )

/** Conditions on the published facts, each one often left out; the values straddle the fleet's. */
export const factFilter: fc.Arbitrary<FactFilter> = fc.record(
  {
    tools: fc.boolean(),
    vision: fc.boolean(),
    reasoning: fc.boolean(),
    minContext: fc.constantFrom(0, 1, 4096, 5000, 65536, 131072),
    minOutput: fc.constantFrom(0, 1, 8192, 10000),
    maxInputPrice: fc.constantFrom(0, 0.15, 1, 3, 100),
    maxOutputPrice: fc.constantFrom(0, 0.6, 15, 100),
    inputModality: fc.constantFrom(...MODALITIES, 'video'),
  },
  { requiredKeys: [] },
)

export const providerFilter: fc.Arbitrary<ProviderFilter> = fc
  .record({
    types: fc.subarray(['vllm', 'OLLAMA', 'openai', 'gemini', 'nope', '']),
    capabilities: fc.subarray([...CAPABILITIES], { maxLength: 3 }),
    fresh: fc.option(fc.boolean(), { nil: undefined }),
    facts: factFilter,
  })
  .map(({ facts, ...filter }) => ({ ...facts, ...filter }))
