/**
 * The last run Postgres could not take (the database was down), kept in KV for GET /runs. The
 * cycle writes it and the route reads it, so the key lives here, below both.
 */
export const UNRECORDED_RUN_KEY = 'runs:last-unrecorded'

export async function keepUnrecordedRun(kv: KVNamespace, run: object): Promise<void> {
  await kv.put(UNRECORDED_RUN_KEY, JSON.stringify(run))
}

/** What the key holds, unchecked: an older Worker version may have written it. */
export async function readUnrecordedRun(kv: KVNamespace): Promise<unknown> {
  return kv.get(UNRECORDED_RUN_KEY, 'json')
}
