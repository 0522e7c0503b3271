import type { StoredEvent } from '../db/events'
import { contextLabel } from './context-label'

const list = (value: unknown) => (Array.isArray(value) && value.length > 0 ? value.join(', ') : 'none')

/** What an event says, in a line a person reads; the backend's name is shown beside it. */
export function eventText(event: Pick<StoredEvent, 'kind' | 'data'>): string {
  const d = event.data
  switch (event.kind) {
    case 'backend.added': {
      const models = Array.isArray(d.models) ? d.models.length : 0
      return `added, ${(d.status as string | undefined) ?? 'status unknown'}, ${models} model${models === 1 ? '' : 's'}`
    }
    case 'backend.removed':
      return 'removed'
    case 'status.changed': {
      const errorKind = d.errorKind as string | undefined
      return `status ${String(d.from)} → ${String(d.to)}${errorKind ? ` (${errorKind})` : ''}`
    }
    case 'model.added':
      return `model ${String(d.model)} added (context ${contextLabel(Number(d.contextLength ?? 0))}; ${list(d.capabilities)})`
    case 'model.removed':
      return `model ${String(d.model)} removed`
    case 'model.changed': {
      const parts: string[] = []
      const context = d.contextLength as { from?: number; to?: number } | undefined
      if (context) parts.push(`context ${contextLabel(context.from ?? 0)} → ${contextLabel(context.to ?? 0)}`)
      const capabilities = d.capabilities as { from?: unknown; to?: unknown } | undefined
      if (capabilities) parts.push(`capabilities ${list(capabilities.from)} → ${list(capabilities.to)}`)
      return `model ${String(d.model)} changed${parts.length > 0 ? `: ${parts.join('; ')}` : ''}`
    }
    default:
      return event.kind
  }
}
