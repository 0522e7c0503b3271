import type { Context, TypedResponse } from 'hono'
import type { JSONParsed } from 'hono/utils/types'
import { SnapshotReader } from '../kv/snapshot-reader'
import type { SnapshotMeta } from '../published/types'
import { sha256Hex } from '../secrets'
import type { AppEnv } from './context'
import { ApiError } from './errors'
import type { Body, ReadBody } from './snapshot-bodies'

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
  views: { index: '', models: null, fleet: '' },
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

/** Whether the client takes gzip (`Accept-Encoding: gzip`, not refused with `q=0`). */
function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';')
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    return (coding === 'gzip' || coding === '*') && (q === undefined || Number(q.slice(2)) > 0)
  })
}

export interface ReadRequest {
  /** The URL's share of the ETag: names a body rendered for this URL and version. */
  variant: string
  /** The route answers gzip and the client takes it. */
  gzip: boolean
  /** The ETag the answer is sent with. */
  etag: string
}

/** The request's reader of the published snapshot, through the isolate's copy. */
export function snapshotReader(c: Context<AppEnv>): SnapshotReader {
  return new SnapshotReader(c.env.KV, { metaMaxAgeMs: c.get('settings').SNAPSHOT_META_MAX_AGE_MS })
}

export interface SnapshotReadOptions {
  /** The route can answer a stored gzip body to clients that take it. */
  gzip?: boolean
  /** A cursor's version: when the isolate's meta names another, KV is asked again before it is called stale. */
  version?: string
  /** Extra headers on a 200 (a page's `Link`). */
  headers?: (meta: SnapshotMeta) => Record<string, string>
  /** Defaults to JSON. */
  contentType?: string
  /** What else the body depends on besides the version and the URL (a page's minute), added to the ETag. */
  etagSuffix?: string
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
  body: (reader: SnapshotReader, meta: SnapshotMeta, request: ReadRequest) => Promise<Body | ReadBody>,
  options: SnapshotReadOptions = {},
) {
  const reader = snapshotReader(c)
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
  const gzip = options.gzip === true && acceptsGzip(c.req.header('Accept-Encoding'))
  // Each encoding is its own representation, with its own ETag.
  const suffix = options.etagSuffix ? `-${options.etagSuffix}` : ''
  const etag = `"${meta.etag}-${variant}${suffix}${gzip ? '-gzip' : ''}"`
  const cacheHeaders: Record<string, string> = {
    ETag: etag,
    'Cache-Control': CACHE_CONTROL,
    ...(options.gzip ? { Vary: 'Accept-Encoding' } : {}),
  }
  if (matches(c.req.header('If-None-Match'), etag)) return c.body(null, 304, cacheHeaders)
  const produced = await body(reader, meta, { variant, gzip, etag })
  const content = 'body' in produced ? produced : { body: produced }
  const headers = {
    ...cacheHeaders,
    ...options.headers?.(meta),
    'Content-Type': options.contentType ?? 'application/json',
  }
  const response = content.gzip
    ? // Stored gzip, sent as it is: `manual` stops the runtime from compressing it again.
      new Response(content.body, {
        status: 200,
        headers: { ...headers, 'Content-Encoding': 'gzip' },
        encodeBody: 'manual',
      })
    : c.body(content.body, 200, headers)
  // The body is the JSON of a T, as c.json would send it: typed the same for the client.
  return response as unknown as TypedResponse<JSONParsed<T>, 200, 'json'>
}
