import type { Context } from 'hono'
import { type SnapshotMeta, SnapshotStore } from '../kv/snapshot-store'
import type { Snapshot } from '../reconcile/types'
import { sha256Hex } from '../secrets'
import type { AppEnv } from './context'

/** Readers revalidate with the ETag; the snapshot changes at most once per cycle. */
const CACHE_CONTROL = 'private, no-cache'

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  return ifNoneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag) ?? false
}

/**
 * Answers a read from the published snapshot with an ETag derived from the snapshot's and the
 * request's identity: `If-None-Match` is answered 304 from the small meta record alone, without
 * reading the shards.
 */
export async function snapshotResponse<C extends Context<AppEnv>, T extends object>(
  c: C,
  render: (snapshot: Snapshot, meta: SnapshotMeta | null) => T,
) {
  const store = new SnapshotStore(c.env.KV)
  const meta = await store.readMeta()
  const url = new URL(c.req.url)
  const variant = (await sha256Hex(`${url.pathname}?${url.searchParams.toString()}`)).slice(0, 16)
  const etag = `"${meta?.etag ?? 'empty'}-${variant}"`
  c.header('ETag', etag)
  c.header('Cache-Control', CACHE_CONTROL)
  if (matches(c.req.header('If-None-Match'), etag)) return c.body(null, 304)
  const { snapshot } = await store.read(meta)
  return c.json(render(snapshot, meta), 200)
}
