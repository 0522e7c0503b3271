import type { BackendStatus } from '../published/types'

/** A symbol beside each status's word, so that status is never told by colour alone. */
const STATUS_SYMBOL: Record<BackendStatus, string> = {
  healthy: '✓',
  degraded: '!',
  suspect: '?',
  down: '✕',
  recovering: '↻',
  unconfigured: '○',
  unsupported: '–',
}

export function StatusBadge({ status }: { status: BackendStatus }) {
  return (
    <span class={`badge status-${status}`}>
      <span aria-hidden="true">{STATUS_SYMBOL[status]}</span> {status}
    </span>
  )
}
