import type { BackendRuntimeState, BackendStatus, ModelPullStatus } from '../published/types'

/**
 * What the status pages render, stored at publish: one row per backend with its models in a
 * compact form, so a page never parses the /state shards.
 */

/** Capabilities a page shows as badges, in their order. */
export const CAPABILITIES = ['chat', 'embed', 'vision', 'tools', 'think'] as const
export type Capability = (typeof CAPABILITIES)[number]

/** A model as the pages need it: [id, capability bits (CAPABILITIES order), context length, stale (1) or not (0)]. */
export type FleetModel = [id: string, capabilities: number, contextLength: number, stale: 0 | 1]

export interface FleetRow {
  id: string
  name: string
  type: string
  baseUrl: string
  status: BackendStatus
  error?: string
  models: FleetModel[]
  uptime24h: number | null
  latencyP95Ms: number | null
  checkedAt: string
  lastSuccessAt: string | null
}

export interface FleetView {
  /** Null before the first cycle published anything. */
  publishedAt: string | null
  backends: FleetRow[]
}

export function capabilityBits(model: ModelPullStatus): number {
  const has: Record<Capability, boolean> = {
    chat: model.canChat,
    embed: model.canEmbed,
    vision: model.canVision,
    tools: model.tools === true,
    think: model.canThink,
  }
  return CAPABILITIES.reduce((bits, capability, i) => (has[capability] ? bits | (1 << i) : bits), 0)
}

export function capabilitiesOf(bits: number): Capability[] {
  return CAPABILITIES.filter((_, i) => (bits & (1 << i)) !== 0)
}

export function fleetView(states: readonly BackendRuntimeState[], publishedAt: Date): FleetView {
  return {
    publishedAt: publishedAt.toISOString(),
    backends: states.map((s) => ({
      id: s.id,
      name: s.name,
      type: s.backend.type,
      baseUrl: s.backend.baseUrl,
      status: s.status,
      ...(s.error ? { error: s.error } : {}),
      models: s.pulledModels.map((m) => [m.model || m.name, capabilityBits(m), m.contextLength, m.stale ? 1 : 0]),
      uptime24h: s.uptime['24h'],
      latencyP95Ms: s.latency24h.p95Ms,
      checkedAt: s.checkedAt,
      lastSuccessAt: s.lastSuccessAt,
    })),
  }
}
