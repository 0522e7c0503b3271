import { z } from 'zod'
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

const limitSchema = z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT)

/** A cursor is base64url of `<version>:<position>`. */
export function encodeCursor(version: string, position: number): string {
  return btoa(`${version}:${position}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function decodeCursor(cursor: string): { version: string; position: number } | null {
  try {
    const text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'))
    const match = /^([0-9a-f]{32}):([1-9][0-9]{0,8})$/.exec(text)
    return match ? { version: match[1]!, position: Number(match[2]) } : null
  } catch {
    return null
  }
}

/** `?limit=&cursor=` as a page, or null when neither is given (the whole list). */
export function pageRequest(limit: string | undefined, cursor: string | undefined): PageRequest | null {
  if (limit === undefined && cursor === undefined) return null
  const parsedLimit = limit === undefined ? DEFAULT_PAGE_LIMIT : limitSchema.safeParse(limit).data
  if (parsedLimit === undefined) {
    throw new ApiError(400, 'invalid_limit', `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`, 'limit')
  }
  if (cursor === undefined) return { limit: parsedLimit, from: 0 }
  const decoded = decodeCursor(cursor)
  if (!decoded) throw new ApiError(400, 'invalid_cursor', 'cursor is not one this service gave out', 'cursor')
  return { limit: parsedLimit, from: decoded.position, version: decoded.version }
}

/** The `Link` header naming the next page, when there is one. */
export function nextPageLink(path: string, meta: SnapshotMeta, page: PageRequest): Record<string, string> {
  const next = page.from + page.limit
  if (next >= meta.backendCount) return {}
  const query = new URLSearchParams({ limit: String(page.limit), cursor: encodeCursor(meta.etag, next) })
  return { Link: `<${path}?${query}>; rel="next"` }
}
