import type { Snapshot } from '../published/types'
import { sha256Hex } from '../secrets'

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
 * capabilities, and whether they are stale. Timestamps, timings, failure counts, uptime and latency
 * windows and the exact wording of errors and warnings are left out: they are exact in Postgres (backend_health) and published with the next write, at
 * the latest when the heartbeat is due, so a backend that stays down for the same reason costs no
 * KV write per cycle.
 */
export async function snapshotContentHash(snapshot: Snapshot): Promise<string> {
  const stable = snapshot.backends.map(
    ({
      checkedAt: _c,
      latencyMs: _l,
      lastSuccessAt: _s,
      consecutiveFailures: _f,
      uptime: _u,
      latency24h: _p,
      retryAfterUntil: _r,
      pulledModels,
      error,
      warnings,
      ...rest
    }) => ({
      ...rest,
      // When a list was read moves every cycle; whether it is stale, and the models, do not.
      pulledModels: pulledModels.map(({ observedAt: _o, ...model }) => model),
      error: error === undefined ? undefined : normalizeMessage(error),
      warnings: warnings?.map(normalizeMessage),
    }),
  )
  return sha256Hex(JSON.stringify(stable))
}
