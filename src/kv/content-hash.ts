import type { Snapshot } from '../published/types'
import { sha256Hex } from '../secrets'
import { cutState } from './state-template'

/**
 * An error or warning as the content hash sees it: what it says, not the ids, counts and timings
 * that change from one identical failure to the next (a provider's fresh `request_id`, "after
 * 1502 ms", a trace id). Masked in this order: UUIDs, then tokens that mix letters and digits (request
 * ids, hex digests), then durations, then any remaining run of digits. The HTTP status a provider
 * answered (`returned 503`) is kept: a backend going from 503 to 404 is news to a router.
 */
export function normalizeMessage(message: string): string {
  return message
    .split(/(\breturned \d{3}\b)/)
    .map((part, i) => (i % 2 === 1 ? part : maskVolatile(part)))
    .join('')
}

function maskVolatile(text: string): string {
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\b(?=[\w-]*\d)(?=[\w-]*[a-z])[\w-]{8,}\b/gi, '<id>')
    .replace(/\d+(?:\.\d+)?\s*(?:ms|s|sec|seconds|milliseconds|m|min|minutes|h)\b/gi, '<duration>')
    .replace(/\d+/g, '#')
}

/**
 * "Changed" means a change a reader acts on: status, error kind, the gist of the error, models and
 * capabilities, and whether they are stale. It is the hash of every backend's template (its state
 * without the moving values, see state-template.ts) and the gist of its error and warnings, so an
 * unchanged hash means every stored template and view is unchanged too, and a heartbeat writes only
 * the moving values and the meta. Timestamps, timings, failure counts, uptime and latency windows,
 * the exact wording of errors and warnings and when a model list was read are left out: they are
 * exact in Postgres (backend_health) and published with every version, at the latest when the
 * heartbeat is due, so a backend that stays down for the same reason costs no KV write per cycle.
 * Whether a state has a moving field at all (a Retry-After starting or ending) is a change.
 */
export async function snapshotContentHash(snapshot: Snapshot): Promise<string> {
  const stable = snapshot.backends.map((state) => {
    const { template, moving } = cutState(state)
    return [
      template.parts,
      template.holes,
      moving.fields.error === undefined ? null : normalizeMessage(moving.fields.error),
      moving.fields.warnings?.map(normalizeMessage) ?? null,
    ]
  })
  return sha256Hex(JSON.stringify(stable))
}
