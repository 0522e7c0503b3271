import type { Context, TypedResponse } from 'hono'
import type { JSONParsed } from 'hono/utils/types'
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
 * The last complete snapshot this isolate read, keyed by its version, with the bodies already
 * rendered from it: a later read of the same version costs one small KV read (the meta) and no
 * parsing. Only one version is kept, and rendered bodies up to MAX_RENDERED_BYTES.
 */
interface IsolateCopy {
  version: string
  snapshot: Snapshot
  bodies: Map<string, string>
  renderedBytes: number
}

const MAX_RENDERED_BYTES = 8 * 1024 * 1024
let isolateCopy: IsolateCopy | undefined

/**
 * Answers a read from the published snapshot with an ETag derived from the snapshot's and the
 * request's identity: `If-None-Match` is answered 304 from the small meta record alone, without
 * reading the shards (that ETag only ever went out with a 200 for this URL). The ETag is sent
 * only with a 200 or 304, never with an error `render` raises (an unknown id's 404). A snapshot
 * whose shards do not all belong to the meta (KV's edge cache mid-update) is refused with 503
 * and `Retry-After`, never served under the new ETag, and never kept in the isolate's copy.
 */
export async function snapshotResponse<C extends Context<AppEnv>, T extends object>(
  c: C,
  render: (snapshot: Snapshot, meta: SnapshotMeta | null) => T,
) {
  const store = new SnapshotStore(c.env.KV)
  const meta = await store.readMeta()
  const url = new URL(c.req.url)
  const variantKey = `${url.pathname}?${url.searchParams.toString()}`
  const variant = (await sha256Hex(variantKey)).slice(0, 16)
  const version = meta?.etag ?? 'empty'
  const etag = `"${version}-${variant}"`
  const cacheHeaders = { ETag: etag, 'Cache-Control': CACHE_CONTROL }
  if (matches(c.req.header('If-None-Match'), etag)) return c.body(null, 304, cacheHeaders)
  const copy = await isolateCopyOf(store, meta, version)
  let text = copy.bodies.get(variantKey)
  if (text === undefined) {
    text = JSON.stringify(render(copy.snapshot, meta))
    if (copy.renderedBytes + text.length <= MAX_RENDERED_BYTES) {
      copy.bodies.set(variantKey, text)
      copy.renderedBytes += text.length
    }
  }
  const response = c.body(text, 200, { ...cacheHeaders, 'Content-Type': 'application/json' })
  // The body is JSON.stringify of a T, as c.json would send it: typed the same for the client.
  return response as unknown as TypedResponse<JSONParsed<T>, 200, 'json'>
}

/** The isolate's copy of `version`, read from KV when it holds another one (or none). */
async function isolateCopyOf(store: SnapshotStore, meta: SnapshotMeta | null, version: string): Promise<IsolateCopy> {
  if (isolateCopy?.version === version) return isolateCopy
  const { snapshot, complete } = await store.read(meta)
  if (!complete) {
    throw new ApiError(503, 'snapshot_unavailable', 'the snapshot is being republished; retry shortly', undefined, {
      'Retry-After': RETRY_AFTER_S,
    })
  }
  isolateCopy = { version, snapshot, bodies: new Map(), renderedBytes: 0 }
  return isolateCopy
}
