import { base64url, fromBase64url } from '../platform/encoding'
import type { SnapshotMeta } from '../published/types'
import { ApiError } from './errors'

/** Paging through a published snapshot: positions within one version, named by an opaque cursor. */

export const DEFAULT_PAGE_LIMIT = 100
export const MAX_PAGE_LIMIT = 1000

export interface PageRequest {
  limit: number
  /** First position of the page. */
  from: number
  /** The version the cursor was made for; absent on a first page. */
  version?: string
}

/** A cursor is base64url of `<version>:<position>`. */
export function encodeCursor(version: string, position: number): string {
  return base64url(`${version}:${position}`)
}

function decodeCursor(cursor: string): { version: string; position: number } | null {
  try {
    const text = new TextDecoder().decode(fromBase64url(cursor))
    const match = /^([0-9a-f]{32}):([1-9][0-9]{0,8})$/.exec(text)
    return match ? { version: match[1]!, position: Number(match[2]) } : null
  } catch {
    return null
  }
}

/** `?limit=` (validated by the route) and `?cursor=` as a page. */
export function pageRequest(limit: number, cursor: string | undefined): PageRequest {
  if (cursor === undefined) return { limit, from: 0 }
  const decoded = decodeCursor(cursor)
  if (!decoded) throw new ApiError(400, 'invalid_cursor', 'cursor is not one this service gave out', 'cursor')
  return { limit, from: decoded.position, version: decoded.version }
}

/** The `Link` header naming the next page, when there is one. */
export function nextPageLink(path: string, meta: SnapshotMeta, page: PageRequest): Record<string, string> {
  const next = page.from + page.limit
  if (next >= meta.backendCount) return {}
  const query = new URLSearchParams({ limit: String(page.limit), cursor: encodeCursor(meta.etag, next) })
  return { Link: `<${path}?${query.toString()}>; rel="next"` }
}
