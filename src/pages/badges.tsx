import type { BackendStatus } from '../published/types'
import { type Capability, capabilitiesOf } from '../views/fleet'

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

export function CapabilityBadges({ bits }: { bits: number }) {
  const capabilities: Capability[] = capabilitiesOf(bits)
  if (capabilities.length === 0) return <span class="muted">none reported</span>
  return (
    <ul class="caps" role="list">
      {capabilities.map((capability) => (
        <li class={`cap cap-${capability}`}>{capability}</li>
      ))}
    </ul>
  )
}

/** 131072 → `128k`; 0 → `–` (not reported). */
export function contextLabel(tokens: number): string {
  if (tokens <= 0) return '–'
  if (tokens >= 1024 && tokens % 1024 === 0) return `${tokens / 1024}k`
  return tokens.toLocaleString('en-US')
}
