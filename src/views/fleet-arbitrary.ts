import fc from 'fast-check'
import type { BackendRuntimeState, ModelPullStatus } from '../published/types'
import { CAPABILITIES, type ProviderFilter } from './providers'

/** Random fleets and filters for the property tests of the views (test-only). */

const TYPES = ['vllm', 'ollama', 'openai', 'Gemini'] as const
const CONTEXTS = [0, 2048, 4096, 8192, 32768, 65536, 131072, 200000] as const

const model: fc.Arbitrary<ModelPullStatus> = fc
  .record({
    id: fc.constantFrom('m-a', 'm-b', 'm-c', 'émbed-ü', 'm/é-d', 'x'),
    contextLength: fc.constantFrom(...CONTEXTS),
    flags: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    tools: fc.constantFrom(true, false, null),
    stale: fc.boolean(),
    // Usually one listing time for all of a backend's models; not always.
    observedAt: fc.constantFrom('2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', '2026-11-30T23:55:00.000Z'),
  })
  .map(({ id, contextLength, flags, tools, stale, observedAt }) => ({
    name: id,
    model: id,
    contextLength,
    maxOutputTokens: 0,
    canChat: flags[0]!,
    canEmbed: flags[1]!,
    canPrompt: flags[2]!,
    canStream: flags[3]!,
    canThink: flags[4]!,
    canVision: flags[5]!,
    tools,
    firstSeenAt: '2026-11-30T00:00:00.000Z',
    observedAt,
    stale,
  }))

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

export const providerFilter: fc.Arbitrary<ProviderFilter> = fc.record({
  types: fc.subarray(['vllm', 'OLLAMA', 'openai', 'gemini', 'nope', '']),
  capabilities: fc.subarray([...CAPABILITIES], { maxLength: 3 }),
  minContext: fc.option(fc.constantFrom(0, 1, 4096, 5000, 65536, 131072), { nil: undefined }),
  fresh: fc.option(fc.boolean(), { nil: undefined }),
})
