import type { HealthRecord, ModelFactsMap } from '../db/declared'
import type { BackendStatus } from '../published/types'
import type { FleetEventKind } from '../published/events'

/**
 * The change feed: what changed for a router between the last cycle and this one, computed from
 * what Postgres remembers of each backend (its status and the facts of the models it listed) and
 * what this cycle observed. Pure; the cycle stores the events in the statement that saves health.
 */

export interface FleetEvent {
  backendId: string
  backendName: string
  kind: FleetEventKind
  data: Record<string, unknown>
}

/** What the last cycle recorded of a backend: one it probed, or one it did not check (deferred). */
export type KnownBackend = Pick<HealthRecord, 'name' | 'status' | 'models'>

/** What this cycle found. `listed`: its model list was read this cycle (not stale, not failed). */
export interface ObservedBackend {
  id: string
  name: string
  status: BackendStatus
  errorKind?: string
  listed: boolean
  models: ModelFactsMap
}

/** Capability names of a mask, for events a person reads. */
export type CapabilityNames = (mask: number) => string[]

export function fleetEvents(
  known: ReadonlyMap<string, KnownBackend>,
  observed: readonly ObservedBackend[],
  capabilityNames: CapabilityNames,
): FleetEvent[] {
  const events: FleetEvent[] = []
  const seen = new Set<string>()
  for (const backend of observed) {
    seen.add(backend.id)
    const event = (kind: FleetEventKind, data: Record<string, unknown>) =>
      events.push({ backendId: backend.id, backendName: backend.name, kind, data })
    const before = known.get(backend.id)
    if (!before) {
      // Its first models come with it, not as one event each.
      event('backend.added', {
        status: backend.status,
        models: backend.listed ? sortedEntries(backend.models).map(([model]) => model) : [],
      })
      continue
    }
    if (before.status !== null && before.status !== backend.status) {
      event('status.changed', {
        from: before.status,
        to: backend.status,
        ...(backend.errorKind ? { errorKind: backend.errorKind } : {}),
      })
    }
    // Models change only with a list read this cycle: a stale or failed backend's models are not news.
    if (!backend.listed) continue
    const previous = before.models
    for (const [model, [contextLength, mask]] of sortedEntries(backend.models)) {
      const was = previous[model]
      if (!was) {
        event('model.added', { model, contextLength, capabilities: capabilityNames(mask) })
        continue
      }
      const changes: Record<string, unknown> = {}
      if (was[0] !== contextLength) changes.contextLength = { from: was[0], to: contextLength }
      if (was[1] !== mask) changes.capabilities = { from: capabilityNames(was[1]), to: capabilityNames(mask) }
      if (Object.keys(changes).length > 0) event('model.changed', { model, ...changes })
    }
    for (const [model] of sortedEntries(previous)) {
      if (!(model in backend.models)) event('model.removed', { model })
    }
  }
  // Known but not observed: it left the probed set (deleted, or out of every group). The caller
  // forgets it with this event, so that the next cycle does not record the removal again.
  for (const [id, before] of [...known].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!seen.has(id)) events.push({ backendId: id, backendName: before.name, kind: 'backend.removed', data: {} })
  }
  return events
}

function sortedEntries<T>(record: Record<string, T>): [string, T][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}
