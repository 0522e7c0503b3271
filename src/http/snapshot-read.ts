import type { Context } from 'hono'
import { SnapshotStore } from '../kv/snapshot-store'
import type { Snapshot, SnapshotMeta } from '../published/types'
import { sha256Hex } from '../secrets'
import type { AppEnv } from './context'
import { ApiError } from './errors'

/** Readers revalidate with the ETag; the snapshot changes at most once per cycle. */
const CACHE_CONTROL = 'private, no-cache'
/** KV's edge cache catches up with a new version within about a minute; a retry a few seconds on usually succeeds. */
const RETRY_AFTER_S = '5'

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  return ifNoneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag) ?? false
}

/**
 * Answers a read from the published snapshot with an ETag derived from the snapshot's and the
 * request's identity: `If-None-Match` is answered 304 from the small meta record alone, without
 * reading the shards (that ETag only ever went out with a 200 for this URL). The ETag is sent
 * only with a 200 or 304, never with an error `render` raises (an unknown id's 404). A snapshot
 * whose shards do not all belong to the meta (KV's edge cache mid-update) is refused with 503
 * and `Retry-After`, never served under the new ETag.
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
  const cacheHeaders = { ETag: etag, 'Cache-Control': CACHE_CONTROL }
  if (matches(c.req.header('If-None-Match'), etag)) return c.body(null, 304, cacheHeaders)
  const { snapshot, complete } = await store.read(meta)
  if (!complete) {
    c.header('Retry-After', RETRY_AFTER_S)
    throw new ApiError(503, 'snapshot_unavailable', 'the snapshot is being republished; retry shortly')
  }
  const body = render(snapshot, meta)
  return c.json(body, 200, cacheHeaders)
}
