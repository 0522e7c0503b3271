/** One page of a list the pages show a part at a time; a page past the end shows the last one. */
export interface ListPage<T> {
  items: T[]
  page: number
  pageCount: number
}

export function pageOf<T>(items: readonly T[], page: number, size: number): ListPage<T> {
  const pageCount = Math.max(1, Math.ceil(items.length / size))
  const shown = Math.min(Math.max(1, page), pageCount)
  return { items: items.slice((shown - 1) * size, shown * size), page: shown, pageCount }
}

/** The URL of a page: the filter's parameters kept, `page` set (left out for the first). */
export function pageHref(path: string, params: Record<string, string>, page: number): string {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== ''))
  if (page > 1) query.set('page', String(page))
  const text = query.toString()
  return text ? `${path}?${text}` : path
}

export function Pager(props: { page: number; pageCount: number; href: (page: number) => string; label: string }) {
  if (props.pageCount <= 1) return null
  return (
    <nav class="pager" aria-label={props.label}>
      {props.page > 1 ? (
        <a href={props.href(props.page - 1)} rel="prev">
          ← Previous
        </a>
      ) : null}
      <span class="muted">{`Page ${props.page} of ${props.pageCount}`}</span>
      {props.page < props.pageCount ? (
        <a href={props.href(props.page + 1)} rel="next">
          Next →
        </a>
      ) : null}
    </nav>
  )
}
