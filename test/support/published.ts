import { resolveFacts } from '../../src/catalog/claims'
import { listingClaims } from '../../src/catalog/listing-claims'
import { observedModel } from './providers'
import type { BackendRuntimeState, ModelPullStatus } from '../../src/published/types'

/** Builders of published records for tests: a usable default, and only what a test cares about given. */

/**
 * A served model; the catalog facts (limits, capabilities, sources, …) follow from the flat ones as
 * a listing that states them would give them, unless given.
 */
export function servedModel(id: string, facts: Partial<ModelPullStatus> = {}): ModelPullStatus {
  const flat = {
    ...observedModel(id, { contextLength: 4096 }),
    model: id,
    firstSeenAt: '2026-11-27T12:00:00.000Z',
    observedAt: '2026-11-27T12:00:00.000Z',
    stale: false,
    ...facts,
  }
  return { ...resolveFacts(listingClaims(flat)), ...flat }
}

/** A healthy vLLM backend named after its id. */
export function backendState(id: string, overrides: Partial<BackendRuntimeState> = {}): BackendRuntimeState {
  const at = '2026-11-27T12:00:00.000Z'
  const models = overrides.pulledModels ?? []
  return {
    id,
    name: id,
    models: models.map((m) => m.model).sort(),
    pulledModels: models,
    backend: { id, name: id, baseUrl: 'http://x', type: 'vllm', createdAt: '', updatedAt: '' },
    status: 'healthy',
    checkedAt: at,
    lastSuccessAt: at,
    consecutiveFailures: 0,
    latencyMs: 3,
    uptime: { '1h': 1, '24h': 1, '7d': 1 },
    latency24h: { p50Ms: 25, p95Ms: 25 },
    ...overrides,
  }
}
