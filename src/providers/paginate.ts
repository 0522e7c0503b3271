import { ProviderError } from '../errors/provider-error'
import { clipErrorBody } from './error-text'
import type { ListContext } from './types'

/** The most pages one listing reads: real catalogs need a handful; a server paging past this is broken. */
export const MAX_PAGES = 50

export interface Page<T> {
  items: T[]
  /** The cursor of the next page (token, id or URL); undefined on the last page. */
  next: string | undefined
}

export interface PaginateOptions<T> {
  /** Names the listing in messages: "<label> still had more pages after 50". */
  label: string
  /** How a cursor reads in messages, e.g. `page token <c>`; default `cursor <c>`. */
  describeCursor?: (cursor: string) => string
  /** The first page's own cursor, when it has one (its URL, say), so a next page pointing back to it counts as a repeat. */
  first?: string
  /** One page; `ctx` carries the byte budget the pages share. */
  fetchPage: (ctx: ListContext, cursor: string | undefined) => Promise<Page<T>>
}

/**
 * Every page of a listing, in order, or a ProviderError: a partial list is never returned. One
 * page cap, a repeated-cursor check, the probe deadline checked between pages (a next page that
 * would not fit in the time left, judged by the last one, is not started), and one
 * MAX_RESPONSE_BYTES budget for all pages together, so paging cannot multiply the memory a
 * listing takes.
 */
export async function paginate<T>(ctx: ListContext, options: PaginateOptions<T>): Promise<T[]> {
  const { label } = options
  const describe = options.describeCursor ?? ((cursor: string) => `cursor ${cursor}`)
  const pageCtx: ListContext = { ...ctx, pageBudget: { bytesLeft: ctx.maxResponseBytes } }
  const items: T[] = []
  const seen = new Set<string>(options.first ? [options.first] : [])
  let cursor = options.first
  let lastPageMs = 0
  for (let page = 0; page < MAX_PAGES; page++) {
    if (page > 0) ensureTimeFor(ctx, label, page, lastPageMs)
    const started = ctx.now()
    const result = await options.fetchPage(pageCtx, cursor)
    lastPageMs = ctx.now() - started
    // Not push(...items): a page of a few hundred thousand items would overflow the call stack.
    for (const item of result.items) items.push(item)
    if (!result.next) return items
    if (seen.has(result.next)) {
      throw new ProviderError('bad_payload', `${label} repeated ${clipErrorBody(describe(result.next))}`)
    }
    seen.add(result.next)
    cursor = result.next
  }
  throw new ProviderError('bad_payload', `${label} still had more pages after ${MAX_PAGES}`)
}

function ensureTimeFor(ctx: ListContext, label: string, pagesRead: number, lastPageMs: number): void {
  if (ctx.signal.aborted || ctx.deadlineAt - ctx.now() < lastPageMs) {
    throw new ProviderError(
      'timeout',
      `${label} had more pages after ${pagesRead}, but too little time was left before the probe timeout`,
    )
  }
}
