import { BACKEND_STATUSES } from '../published/types'
import type { FleetView } from '../views/fleet'
import { StatusBadge } from './badges'
import { type FleetFilter, filterRows, isFiltered, statusCounts, typesOf } from './fleet-filter'
import { Layout } from './layout'
import { Pager, pageHref, pageOf } from './pager'
import { Cell, Choice, type Column, TableHead } from './parts'
import { percent, timeAgo, utcMinute } from './time-ago'

export interface FleetPageProps {
  view: FleetView
  filter: FleetFilter
  /** Which page of the rows the filter keeps. */
  page: number
  now: Date
  signedIn: boolean
  /** The ETag the page is sent with: the refresh script revalidates with it. */
  etag: string
}

/** A time as "3 min ago", with the exact UTC time on hover and for machines. */
export function Ago({ iso, now }: { iso: string | null; now: Date }) {
  if (iso === null) return <span class="muted">never</span>
  return (
    <time datetime={iso} title={utcMinute(iso)}>
      {timeAgo(iso, now)}
    </time>
  )
}

export const backendHref = (id: string) => `/status/backends/${encodeURIComponent(id)}`

const ERROR_PREVIEW = 160

const FLEET_COLUMNS: Column[] = [
  { label: 'Backend' },
  { label: 'Type' },
  { label: 'Status' },
  { label: 'Models', numeric: true },
  { label: 'Uptime 24 h', numeric: true },
  { label: 'Latency p95', numeric: true },
  { label: 'Checked' },
  { label: 'Last success' },
]

/** Rows per page: a large fleet is read a page at a time, or narrowed with the filter. */
export const FLEET_PAGE_SIZE = 100

export function FleetPage({ view, filter, page, now, signedIn, etag }: FleetPageProps) {
  const rows = filterRows(view.backends, filter)
  const shown = pageOf(rows, page, FLEET_PAGE_SIZE)
  const href = (n: number) => pageHref('/', { type: filter.type, status: filter.status, model: filter.model }, n)
  return (
    <Layout title="Fleet" section="fleet" signedIn={signedIn} refresh>
      <h1>Fleet</h1>
      <p class="meta" id="summary">
        {view.publishedAt === null ? (
          'No snapshot yet: the first reconcile cycle has not run.'
        ) : (
          <>
            {view.backends.length} backends · snapshot published <Ago iso={view.publishedAt} now={now} />
          </>
        )}
      </p>
      <ul class="counts" id="counts" role="list" aria-label="Backends by status">
        {statusCounts(view.backends).map(([status, count]) => (
          <li>
            <a href={`/?status=${status}`}>
              <StatusBadge status={status} /> <strong>{count}</strong>
            </a>
          </li>
        ))}
      </ul>
      <form class="filter" method="get" action="/" role="search" aria-label="Filter backends">
        <Choice label="Type" name="type" any="any type" options={typesOf(view.backends)} chosen={filter.type} />
        <Choice label="Status" name="status" any="any status" options={BACKEND_STATUSES} chosen={filter.status} />
        <label>
          Model name contains
          <input type="search" name="model" value={filter.model} placeholder="e.g. llama" />
        </label>
        <button type="submit" class="primary">
          Filter
        </button>
        {isFiltered(filter) ? <a href="/">Clear filter</a> : null}
      </form>
      <section id="fleet" data-etag={etag}>
        <p class="meta">
          {isFiltered(filter) ? `${rows.length} of ${view.backends.length} backends match` : `${rows.length} backends`}
        </p>
        {rows.length === 0 ? (
          <p>
            {view.backends.length === 0
              ? 'No backends yet: declare one with POST /backends (see the API docs), then wait for a cycle.'
              : 'No backend matches this filter.'}
          </p>
        ) : (
          <table class="cards" role="table">
            <caption class="sr-only">Backends</caption>
            <TableHead columns={FLEET_COLUMNS} />
            <tbody>
              {shown.items.map((row) => (
                <tr role="row" data-backend={row.id} data-status={row.status}>
                  <Cell label="Backend" lead>
                    <a href={backendHref(row.id)}>{row.name}</a>
                    {row.error ? (
                      <div class="error" title={row.error}>
                        {row.error.length > ERROR_PREVIEW ? `${row.error.slice(0, ERROR_PREVIEW)}…` : row.error}
                      </div>
                    ) : null}
                  </Cell>
                  <Cell label="Type">{row.type}</Cell>
                  <Cell label="Status">
                    <StatusBadge status={row.status} />
                  </Cell>
                  <Cell label="Models" numeric>
                    {row.models.length}
                  </Cell>
                  <Cell label="Uptime 24 h" numeric>
                    {percent(row.uptime24h)}
                  </Cell>
                  <Cell label="Latency p95" numeric>
                    {row.latencyP95Ms === null ? '–' : `${row.latencyP95Ms} ms`}
                  </Cell>
                  <Cell label="Checked">
                    <Ago iso={row.checkedAt} now={now} />
                  </Cell>
                  <Cell label="Last success">
                    <Ago iso={row.lastSuccessAt} now={now} />
                  </Cell>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager page={shown.page} pageCount={shown.pageCount} href={href} label="Pages of backends" />
      </section>
    </Layout>
  )
}
