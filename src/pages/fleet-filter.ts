import { BACKEND_STATUSES, type BackendStatus } from '../published/types'
import type { FleetRow } from '../views/fleet'

/** The fleet page's filter, from its query: each part optional, all of them must hold. */
export interface FleetFilter {
  type: string
  status: BackendStatus | ''
  /** A substring of a model id, any case. */
  model: string
}

const MAX_FILTER_LENGTH = 200

/** Read leniently: a page shows everything for a value it does not know rather than an error. */
export function fleetFilter(query: (name: string) => string | undefined): FleetFilter {
  const text = (name: string) => (query(name) ?? '').trim().slice(0, MAX_FILTER_LENGTH)
  const status = text('status')
  return {
    type: text('type'),
    status: (BACKEND_STATUSES as readonly string[]).includes(status) ? (status as BackendStatus) : '',
    model: text('model'),
  }
}

export function isFiltered(filter: FleetFilter): boolean {
  return filter.type !== '' || filter.status !== '' || filter.model !== ''
}

export function filterRows(rows: readonly FleetRow[], filter: FleetFilter): FleetRow[] {
  const model = filter.model.toLowerCase()
  return rows.filter(
    (row) =>
      (filter.type === '' || row.type === filter.type) &&
      (filter.status === '' || row.status === filter.status) &&
      (model === '' || row.models.some(([id]) => id.toLowerCase().includes(model))),
  )
}

/** Backends per status, every status listed (zeros included) in the order of BACKEND_STATUSES. */
export function statusCounts(rows: readonly FleetRow[]): [BackendStatus, number][] {
  const counts = new Map<BackendStatus, number>(BACKEND_STATUSES.map((s) => [s, 0]))
  for (const row of rows) counts.set(row.status, (counts.get(row.status) ?? 0) + 1)
  return [...counts]
}

export function typesOf(rows: readonly FleetRow[]): string[] {
  return [...new Set(rows.map((r) => r.type))].sort()
}
