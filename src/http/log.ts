/**
 * One structured line per admin change, for Workers Logs. Callers pass ids and names only:
 * never a credential.
 */
export function logAdminChange(action: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ msg: 'admin change', action, ...fields }))
}
