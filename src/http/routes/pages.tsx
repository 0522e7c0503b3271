import { type Context, Hono } from 'hono'
import { csrf } from 'hono/csrf'
import { etag } from 'hono/etag'
import { secureHeaders } from 'hono/secure-headers'
import { LRUCache } from 'lru-cache'
import { DatabaseNotConfiguredError } from '../../db/client'
import { databaseUnavailable } from '../../db/errors'
import { eventsBefore, lastDayOfRollups } from '../../db/events'
import { type Bytes, utf8 } from '../../kv/array-view'
import { gzip } from '../../kv/gzip'
import type { SnapshotReader } from '../../kv/snapshot-reader'
import { PAGE_ASSETS } from '../../pages/assets'
import { BackendPage } from '../../pages/backend-page'
import { catalog, searchCatalog } from '../../pages/catalog'
import { EventsPage } from '../../pages/events-page'
import { FleetPage } from '../../pages/fleet-page'
import { fleetFilter } from '../../pages/fleet-filter'
import { renderPage } from '../../pages/layout'
import { pageOf } from '../../pages/pager'
import { LoginPage } from '../../pages/login-page'
import { ModelsPage } from '../../pages/models-page'
import type { SnapshotMeta } from '../../published/types'
import { factsMatch } from '../../views/fact-filter'
import { type FleetView, capabilitiesOf } from '../../views/fleet'
import { filterableFacts } from '../../views/fleet-facts'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'
import { MAX_API_KEY_CHARS, wholeNumber } from '../input'
import { modelsQuery } from '../models-query'
import { logDatabaseUnavailable } from '../log'
import { asPage, requirePageAdmin, requirePageReader, safeNext, signIn, signOut } from '../page-auth'
import { deliverySummaries, listSubscriptions } from '../../db/webhooks'
import { WebhooksPage } from '../../pages/webhooks-page'
import { parsedBackendState, publishedFleet } from '../snapshot-bodies'
import { snapshotRead, snapshotReader } from '../snapshot-read'

/**
 * The operators' pages, rendered here from the published snapshot: the fleet and models pages read
 * only the fleet view (no Postgres), and revalidate like the JSON reads. A backend's page and the
 * events page also read its hourly rollups and the change feed from Postgres.
 */

const HTML = 'text/html; charset=UTF-8'
const MODELS_PER_PAGE = 50
const EVENTS_PER_PAGE = 50
const BACKEND_EVENTS = 20

/** Nothing from elsewhere: the pages load only what this Worker serves. */
const pageHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  referrerPolicy: 'same-origin',
})

/** The fleet view of a version; an empty fleet before the first publish. */
async function fleetOf(reader: SnapshotReader, meta: SnapshotMeta): Promise<FleetView> {
  if (meta.views.fleet === '') return { publishedAt: null, backends: [] }
  if (meta.views.fleet === null) {
    throw new ApiError(
      503,
      'fleet_too_large',
      'This fleet is too large for the status pages (their view would pass 16 MiB). Read it with GET /state?limit=100, or /providers with a filter.',
    )
  }
  return publishedFleet(reader, meta)
}

/**
 * Rendered pages, kept apart from the snapshot's values so that pages asked with many filters
 * never push those out.
 */
const renderedPages = new LRUCache<string, Bytes>({ maxSize: 2 * 1024 * 1024, sizeCalculation: (b) => b.length || 1 })

/** A new stylesheet or script is a new page, even for the same snapshot. */
const ASSETS_VERSION = PAGE_ASSETS.map((asset) => asset.path.split('.').at(-2)).join('')

/**
 * A page rendered from the fleet view, kept in the isolate under its ETag: the version, the URL,
 * whatever `suffix` says the page also depends on, the assets and the encoding. A browser gets it
 * gzipped, compressed once per version rather than on every read.
 */
function fleetViewPage(c: Context<AppEnv>, suffix: string, render: (view: FleetView, etag: string) => Promise<string>) {
  const signedIn = c.get('signedIn') === true ? '-s' : ''
  return snapshotRead(
    c,
    async (reader, meta, read) => {
      let body = renderedPages.get(read.etag)
      if (!body) {
        const html = utf8(await render(await fleetOf(reader, meta), read.etag))
        body = read.gzip ? await gzip(html) : html
        renderedPages.set(read.etag, body)
      }
      return { body, gzip: read.gzip }
    },
    { contentType: HTML, gzip: true, etagSuffix: `${suffix}-${ASSETS_VERSION}${signedIn}` },
  )
}

/** Rollups and events from Postgres; null while it cannot be read, so the rest of the page still shows. */
async function backendHistory(c: Context<AppEnv>, id: string) {
  try {
    const db = c.get('db')()
    const [hours, events] = await Promise.all([
      lastDayOfRollups(db, id),
      eventsBefore(db, { backendId: id, limit: BACKEND_EVENTS }),
    ])
    return { hours, events }
  } catch (error) {
    const unavailable = databaseUnavailable(error)
    if (unavailable) logDatabaseUnavailable(c.req.path, unavailable)
    else if (!(error instanceof DatabaseNotConfiguredError)) throw error
    return null
  }
}

/** A page or cursor number from the query: absent, or a whole number ≥ 1 (else a 400 naming it). */
function positiveInteger(value: string | undefined, field: string): number | undefined {
  const parsed = wholeNumber(field, { min: 1 })
    .optional()
    .safeParse(value === '' ? undefined : value)
  if (!parsed.success) throw new ApiError(400, `invalid_${field}`, parsed.error.issues[0]!.message, field)
  return parsed.data
}

function fleetPage(c: Context<AppEnv>) {
  const filter = fleetFilter((name) => c.req.query(name))
  const page = positiveInteger(c.req.query('page'), 'page') ?? 1
  // Relative times ("3 min ago") move each minute: so does the ETag.
  const minute = String(Math.floor(Date.now() / 60_000))
  return fleetViewPage(c, minute, (view, pageEtag) =>
    renderPage(
      <FleetPage
        view={view}
        filter={filter}
        page={page}
        now={new Date()}
        signedIn={c.get('signedIn') === true}
        etag={pageEtag}
      />,
    ),
  )
}

export const pageRoutes = new Hono<AppEnv>()
  .get('/status/assets/:file', asPage, (c) => {
    const asset = PAGE_ASSETS.find((a) => a.path === c.req.path)
    if (!asset) throw new ApiError(404, 'asset_not_found', `no asset ${c.req.path}`)
    return c.body(asset.body, 200, {
      'Content-Type': asset.contentType,
      'Cache-Control': 'public, max-age=31536000, immutable',
    })
  })
  .get('/', pageHeaders, requirePageReader, fleetPage)
  .get('/status', pageHeaders, requirePageReader, fleetPage)
  .get('/status/models', pageHeaders, requirePageReader, async (c) => {
    const asked = modelsQuery((name) => c.req.query(name))
    const page = positiveInteger(c.req.query('page'), 'page') ?? 1
    const signedIn = c.get('signedIn') === true
    if (!asked.ok) {
      // The form again with what is wrong, rather than an error page: the reader fixes it there.
      const props = { models: [], total: 0, page: 1, pageCount: 1, form: asked.form, problems: asked.problems }
      return c.html(await renderPage(<ModelsPage {...props} signedIn={signedIn} />), 400, {
        'Cache-Control': 'private, no-cache',
      })
    }
    const { q, kind, facts } = asked.query
    return fleetViewPage(c, 'models', async (view) => {
      const found = searchCatalog(catalog(view.backends), q).filter(
        (m) =>
          (kind === '' || capabilitiesOf(m.capabilities).includes(kind)) && factsMatch(facts, filterableFacts(m.facts)),
      )
      const shown = pageOf(found, page, MODELS_PER_PAGE)
      return renderPage(
        <ModelsPage
          models={shown.items}
          total={found.length}
          form={asked.form}
          problems={[]}
          page={shown.page}
          pageCount={shown.pageCount}
          signedIn={signedIn}
        />,
      )
    })
  })
  .get('/status/backends/:backendId', pageHeaders, requirePageReader, etag(), async (c) => {
    const id = c.req.param('backendId')
    const reader = snapshotReader(c)
    const meta = await reader.meta()
    const state = meta && (await parsedBackendState(reader, meta, id))
    if (!state) throw new ApiError(404, 'backend_not_found', `No backend ${id} in the published snapshot.`, 'backendId')
    const history = await backendHistory(c, id)
    const page = <BackendPage state={state} history={history} now={new Date()} signedIn={c.get('signedIn') === true} />
    return c.html(await renderPage(page), 200, { 'Cache-Control': 'private, no-cache' })
  })
  .get('/status/events', pageHeaders, requirePageReader, etag(), async (c) => {
    const before = positiveInteger(c.req.query('before'), 'before')
    const events = await eventsBefore(c.get('db')(), { before, limit: EVENTS_PER_PAGE + 1 })
    const shown = events.slice(0, EVENTS_PER_PAGE)
    const older = events.length > EVENTS_PER_PAGE ? shown.at(-1)!.seq : null
    const page = (
      <EventsPage
        events={shown}
        older={older}
        paged={before !== undefined}
        now={new Date()}
        signedIn={c.get('signedIn') === true}
      />
    )
    return c.html(await renderPage(page), 200, { 'Cache-Control': 'private, no-cache' })
  })
  .get('/status/webhooks', pageHeaders, requirePageAdmin, async (c) => {
    const db = c.get('db')()
    const [subscriptions, summaries] = await Promise.all([listSubscriptions(db), deliverySummaries(db)])
    const page = (
      <WebhooksPage
        subscriptions={subscriptions}
        summaries={summaries}
        now={new Date()}
        signedIn={c.get('signedIn') === true}
      />
    )
    return c.html(await renderPage(page), 200, { 'Cache-Control': 'private, no-store' })
  })
  .get('/login', pageHeaders, asPage, async (c) => {
    if (c.get('settings').PUBLIC_READ) return c.redirect('/', 303)
    return c.html(await renderPage(<LoginPage next={safeNext(c.req.query('next'))} />))
  })
  .post('/login', pageHeaders, asPage, csrf(), async (c) => {
    const form = await c.req.parseBody()
    const token = typeof form.token === 'string' ? form.token.trim() : ''
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined)
    if (token === '') {
      return c.html(await renderPage(<LoginPage next={next} message="Enter the read token." />), 400)
    }
    if (token.length > MAX_API_KEY_CHARS || !(await signIn(c, token))) {
      const message = 'That token was not accepted: use READ_TOKEN or ADMIN_TOKEN.'
      return c.html(await renderPage(<LoginPage next={next} message={message} />), 401)
    }
    return c.redirect(next, 303)
  })
  .post('/logout', pageHeaders, asPage, csrf(), (c) => {
    signOut(c)
    return c.redirect('/login', 303)
  })
