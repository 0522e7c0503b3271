import type { DatabaseUnavailableError } from '../db/errors'

/**
 * One structured line per admin change, for Workers Logs. Callers pass ids and names only:
 * never a credential.
 */
export function logAdminChange(action: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ msg: 'admin change', action, ...fields }))
}

/** One structured line when a request met a database that is down, full or too slow. */
export function logDatabaseUnavailable(path: string, unavailable: DatabaseUnavailableError): void {
  console.warn(
    JSON.stringify({ msg: 'database unavailable', path, reason: unavailable.reason, error: unavailable.message }),
  )
}
