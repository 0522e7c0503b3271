import type { MovingValues } from '../kv/state-template'
import type { BackendRuntimeState, BackendStatus, ModelPullStatus } from '../published/types'
import { withPublishedFacts } from '../catalog/enrich'
import { type FactsTail, type ShownFacts, factsTail, shownFacts } from './fleet-facts'

/**
 * What the status pages render: one row per backend with its models in a compact form, so a page
 * never parses the /state shards. Stored at publish without what moves every cycle (the base), and
 * joined with the version's moving values when read, so a heartbeat does not rewrite it.
 */

/**
 * Capabilities a page shows as badges, in their order; a model's badge bits in the fleet view follow
 * it (bit i: the i-th badge). Not the bits Postgres keeps (db/model-fact-bits.ts): the fleet view is
 * rendered again with each version, so a change here only misreads the version published before it,
 * until the next one (at most SNAPSHOT_HEARTBEAT_S).
 */
export const BADGE_CAPABILITIES = ['chat', 'embed', 'vision', 'tools', 'think'] as const
export type BadgeCapability = (typeof BADGE_CAPABILITIES)[number]

/**
 * A model as the pages need it: [id, badge bits (BADGE_CAPABILITIES order), context length (0 =
 * unknown), stale (1) or not (0), then its other facts and their sources (see FactsTail)].
 */
export type FleetModel = [id: string, capabilities: number, contextLength: number, stale: 0 | 1, ...FactsTail]

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

/** Vision, tools and think from the published facts, which the flat flags are filled from. */
export function capabilityBits(model: ModelPullStatus): number {
  const { capabilities } = withPublishedFacts(model)
  const has: Record<BadgeCapability, boolean> = {
    chat: model.canChat,
    embed: model.canEmbed,
    vision: capabilities.vision ?? model.canVision,
    tools: (capabilities.tools ?? model.tools) === true,
    think: capabilities.reasoning ?? model.canThink,
  }
  return BADGE_CAPABILITIES.reduce((bits, capability, i) => (has[capability] ? bits | (1 << i) : bits), 0)
}

export function capabilitiesOf(bits: number): BadgeCapability[] {
  return BADGE_CAPABILITIES.filter((_, i) => (bits & (1 << i)) !== 0)
}

const hasBit = (bits: number, capability: BadgeCapability) =>
  (bits & (1 << BADGE_CAPABILITIES.indexOf(capability))) !== 0

export function fleetModel(model: ModelPullStatus): FleetModel {
  const facts = withPublishedFacts(model)
  const contextLength = facts.limits.context ?? 0
  return [model.model || model.name, capabilityBits(model), contextLength, model.stale ? 1 : 0, ...factsTail(facts)]
}

/** What a page shows of a model's context, output, prices, tools, vision and reasoning, with their sources. */
export function factsOf(model: FleetModel): ShownFacts {
  const [, bits, contextLength, , ...tail] = model
  const flags = { tools: hasBit(bits, 'tools'), vision: hasBit(bits, 'vision'), reasoning: hasBit(bits, 'think') }
  return shownFacts(contextLength, flags, tail)
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
      models: s.pulledModels.map(fleetModel),
      uptime24h: s.uptime['24h'],
      latencyP95Ms: s.latency24h.p95Ms,
      checkedAt: s.checkedAt,
      lastSuccessAt: s.lastSuccessAt,
    })),
  }
}

/** A fleet row without what moves every cycle: stored once, until the fleet itself changes. */
export type FleetBaseRow = Omit<FleetRow, 'error' | 'uptime24h' | 'latencyP95Ms' | 'checkedAt' | 'lastSuccessAt'>

export interface FleetBase {
  backends: FleetBaseRow[]
}

export function fleetBase(states: readonly BackendRuntimeState[]): FleetBase {
  return {
    backends: fleetView(states, new Date(0)).backends.map(
      ({ error: _e, uptime24h: _u, latencyP95Ms: _l, checkedAt: _c, lastSuccessAt: _s, ...row }) => row,
    ),
  }
}

/** The fleet view of a version: its stored base, and each backend's moving fields by position. */
export function fleetWithMoving(
  base: FleetBase,
  movingAt: (position: number) => MovingValues['fields'],
  publishedAt: string,
): FleetView {
  return {
    publishedAt,
    backends: base.backends.map(({ models, ...row }, i) => {
      const moving = movingAt(i)
      return {
        ...row,
        ...(moving.error ? { error: moving.error } : {}),
        models,
        uptime24h: moving.uptime?.['24h'] ?? null,
        latencyP95Ms: moving.latency24h?.p95Ms ?? null,
        checkedAt: moving.checkedAt ?? '',
        lastSuccessAt: moving.lastSuccessAt ?? null,
      }
    }),
  }
}
