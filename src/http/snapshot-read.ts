import type { Context, TypedResponse } from 'hono'
import type { JSONParsed } from 'hono/utils/types'
import { SnapshotReader } from '../kv/snapshot-reader'
import type { SnapshotMeta } from '../published/types'
import { sha256Hex } from '../secrets'
import type { AppEnv } from './context'
import { ApiError } from './errors'
import type { Body } from './snapshot-bodies'

/** Readers revalidate with the ETag; the snapshot changes at most once per cycle. */
const CACHE_CONTROL = 'private, no-cache'

/** What a read sees before the first cycle published anything: no backends, no stored values. */
const EMPTY_META: SnapshotMeta = {
  schemaVersion: 2,
  contentHash: '',
  etag: 'empty',
  writtenAt: new Date(0).toISOString(),
  backendCount: 0,
  shardCount: 0,
  shards: [],
  views: { index: '', models: null, openAIModels: null, providers: '' },
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  return ifNoneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag) ?? false
}

/** A URL's share of the ETag, remembered so that a revalidation costs no hashing. */
const variants = new Map<string, string>()
const MAX_VARIANTS = 1000

async function variantOf(key: string): Promise<string> {
  let variant = variants.get(key)
  if (variant === undefined) {
    variant = (await sha256Hex(key)).slice(0, 16)
    if (variants.size >= MAX_VARIANTS) variants.clear()
    variants.set(key, variant)
  }
  return variant
}

export interface SnapshotReadOptions {
  /** A cursor's version: when the isolate's meta names another, KV is asked again before it is called stale. */
  version?: string
  /** Extra headers on a 200 (a page's `Link`). */
  headers?: (meta: SnapshotMeta) => Record<string, string>
}

/**
 * Answers a read from the published snapshot with an ETag made of the version and the URL:
 * `If-None-Match` is answered 304 from the meta alone (from memory while it is fresh), without
 * reading any stored value. The ETag is sent only with a 200 or 304, never with an error `body`
 * raises (an unknown id's 404). A value the meta names that KV does not have yet is a 503 with
 * `Retry-After` (see onError), never a body mixed from two versions.
 */
export async function snapshotRead<T>(
  c: Context<AppEnv>,
  body: (reader: SnapshotReader, meta: SnapshotMeta, variant: string) => Promise<Body>,
  options: SnapshotReadOptions = {},
) {
  const reader = new SnapshotReader(c.env.KV, { metaMaxAgeMs: c.get('settings').SNAPSHOT_META_MAX_AGE_MS })
  let meta = (await reader.meta()) ?? EMPTY_META
  if (options.version !== undefined && options.version !== meta.etag)
    meta = (await reader.meta({ fresh: true })) ?? EMPTY_META
  if (options.version !== undefined && options.version !== meta.etag) {
    throw new ApiError(
      400,
      'stale_cursor',
      'cursor belongs to a snapshot version that has been replaced; start again without a cursor',
      'cursor',
    )
  }
  const url = new URL(c.req.url)
  const variant = await variantOf(`${url.pathname}?${url.searchParams.toString()}`)
  const etag = `"${meta.etag}-${variant}"`
  const cacheHeaders = { ETag: etag, 'Cache-Control': CACHE_CONTROL }
  if (matches(c.req.header('If-None-Match'), etag)) return c.body(null, 304, cacheHeaders)
  const content = await body(reader, meta, variant)
  const response = c.body(content, 200, {
    ...cacheHeaders,
    ...options.headers?.(meta),
    'Content-Type': 'application/json',
  })
  // The body is the JSON of a T, as c.json would send it: typed the same for the client.
  return response as unknown as TypedResponse<JSONParsed<T>, 200, 'json'>
}
