import { canonicalBackendType } from '../providers'
import type { BackendRuntimeState, ModelPullStatus } from '../published/types'

export const CAPABILITIES = ['chat', 'embed', 'prompt', 'stream', 'think', 'vision'] as const
export type Capability = (typeof CAPABILITIES)[number]

const FLAG: Record<Capability, 'canChat' | 'canEmbed' | 'canPrompt' | 'canStream' | 'canThink' | 'canVision'> = {
  chat: 'canChat',
  embed: 'canEmbed',
  prompt: 'canPrompt',
  stream: 'canStream',
  think: 'canThink',
  vision: 'canVision',
}

/** One (usable backend, model) pair: what an app routes a request to (seed ProviderFromRuntimeState). */
export type ProviderEntry = {
  backendId: string
  backendName: string
  type: string
  baseUrl: string
} & Omit<ModelPullStatus, 'modifiedAt' | 'size' | 'digest'>

export interface ProviderFilter {
  /** Backend types; none (or only empty strings) = every type; an unknown type matches nothing. */
  types: string[]
  /** Every listed capability must hold. */
  capabilities: Capability[]
  /** Models whose context length is unknown (0) never satisfy a minimum. */
  minContext?: number
}

/**
 * Providers from a snapshot (seed-spec §10): backends with an error contribute nothing; the type
 * filter keeps the seed's meaning but names each type once, so nothing is listed twice.
 */
export function providersFromSnapshot(backends: BackendRuntimeState[], filter: ProviderFilter): ProviderEntry[] {
  const wanted = new Set(filter.types.map(canonicalBackendType).filter(Boolean))
  const entries: ProviderEntry[] = []
  for (const state of backends) {
    if (state.error) continue
    const type = canonicalBackendType(state.backend.type)
    if (wanted.size > 0 && !wanted.has(type)) continue
    for (const model of state.pulledModels) {
      if (!filter.capabilities.every((c) => model[FLAG[c]])) continue
      if (filter.minContext !== undefined && filter.minContext > 0 && model.contextLength < filter.minContext) continue
      const { modifiedAt: _m, size: _s, digest: _d, ...served } = model
      entries.push({ backendId: state.id, backendName: state.name, type, baseUrl: state.backend.baseUrl, ...served })
    }
  }
  return entries
}
