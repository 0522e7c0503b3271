/** The routes under load: each read once first, for its status, shape, size, ETag and a real id. */
import http from 'node:http'
import { FLEET_PAGE_SIZE } from '../../src/pages/fleet-page'
import { assert } from '../bench-worker'
import { fmtBytes } from './format'
import { call } from './http'
import {
  BROWSER_ENCODINGS,
  LONG_BACKENDS,
  LONG_CONTEXT,
  MODELS,
  MODELS_QUERY,
  PROVIDERS_FACTS_QUERY,
  PROVIDERS_QUERY,
  READ_TOKEN,
  ROUTE_FILTER,
  STATE_PAGE,
  STATE_PAGE_LIMIT,
} from './settings'
import type { Route } from './types'

/** Reads every route once with the read token: checks status and shape, takes the ETag and a real id. */
export async function prepareRoutes(base: URL, n: number): Promise<Route[]> {
  const read = (route: string, headers?: Record<string, string>) =>
    call(base, 'GET', route, { token: READ_TOKEN, headers, timeoutS: 120 })

  const healthz = await read('/healthz')
  assert(healthz.status === 200, `GET /healthz answered ${healthz.status}`)

  // Plain /state, as a client that does not take gzip gets it (Node's fetch asks for gzip unless told).
  const state = await read('/state', { 'Accept-Encoding': 'identity' })
  assert(state.headers.get('content-encoding') === null, 'GET /state without gzip answered an encoded body')
  assert(state.status === 200, `GET /state answered ${state.status}: ${JSON.stringify(state.json).slice(0, 300)}`)
  const backends = state.json as { id: string; status: string }[]
  assert(Array.isArray(backends), `GET /state answered ${JSON.stringify(state.json).slice(0, 300)}`)
  assert(backends.length === n, `GET /state listed ${backends.length} backends, expected ${n}`)
  const healthy = backends.filter((b) => b.status === 'healthy').length
  assert(healthy === n, `GET /state: ${healthy} of ${n} backends healthy`)
  const etag = state.headers.get('etag')
  assert(etag, 'GET /state sent no ETag')

  // The gzipped /state, as most HTTP clients get it; fetch decodes it, so this checks they make the same JSON.
  const gzipped = await read('/state', { 'Accept-Encoding': 'gzip' })
  assert(gzipped.headers.get('content-encoding') === 'gzip', 'GET /state with Accept-Encoding: gzip was not gzipped')
  assert(JSON.stringify(gzipped.json) === JSON.stringify(state.json), 'GET /state: gzip decoded to another body')
  // What went over the wire: fetch decodes, so the encoded size is read from a second, raw request.
  const gzippedBytes = await encodedSize(base, '/state', { 'Accept-Encoding': 'gzip' })

  const notModified = await read('/state', { 'Accept-Encoding': 'identity', 'If-None-Match': etag })
  assert(notModified.status === 304, `GET /state with If-None-Match ${etag} answered ${notModified.status}, not 304`)

  const page = await read(STATE_PAGE)
  assert(page.status === 200, `GET ${STATE_PAGE} answered ${page.status}: ${JSON.stringify(page.json).slice(0, 300)}`)
  const pageLength = (page.json as unknown[]).length
  assert(
    pageLength === Math.min(STATE_PAGE_LIMIT, n),
    `GET ${STATE_PAGE} listed ${pageLength} backends, expected ${Math.min(STATE_PAGE_LIMIT, n)}`,
  )
  assert(
    Boolean(page.headers.get('link')) === n > STATE_PAGE_LIMIT,
    `GET ${STATE_PAGE} at N=${n}: Link header ${page.headers.get('link') ?? 'absent'}`,
  )

  const id = backends[Math.floor(n / 2)]!.id
  const one = await read(`/state/${id}`)
  assert(one.status === 200, `GET /state/${id} answered ${one.status}`)
  assert((one.json as { id?: string }).id === id, `GET /state/${id} answered another backend`)
  const models = (one.json as { pulledModels?: unknown[] }).pulledModels?.length ?? 0

  const providers = await read(PROVIDERS_QUERY)
  assert(providers.status === 200, `GET ${PROVIDERS_QUERY} answered ${providers.status}`)
  const matched = providers.json as { backendId: string; contextLength: number }[]
  const entries = matched.length
  // The same answer at every N: the long-context backends' models, and nothing else.
  assert(
    entries === LONG_BACKENDS * MODELS,
    `GET ${PROVIDERS_QUERY} listed ${entries} entries, expected ${LONG_BACKENDS} × ${MODELS} = ${LONG_BACKENDS * MODELS}`,
  )
  const short = matched.filter((e) => e.contextLength !== LONG_CONTEXT).length
  assert(short === 0, `GET ${PROVIDERS_QUERY}: ${short} entries of a context other than ${LONG_CONTEXT}`)
  const matchedBackends = new Set(matched.map((e) => e.backendId)).size
  assert(
    matchedBackends === LONG_BACKENDS,
    `GET ${PROVIDERS_QUERY}: entries from ${matchedBackends} backends, expected ${LONG_BACKENDS}`,
  )

  const unknownFacts = await read(PROVIDERS_FACTS_QUERY)
  assert(unknownFacts.status === 200, `GET ${PROVIDERS_FACTS_QUERY} answered ${unknownFacts.status}`)
  assert(
    JSON.stringify(unknownFacts.json) === '[]',
    `GET ${PROVIDERS_FACTS_QUERY}: expected [] (no bench model knows its tools or price)`,
  )

  const merged = await read('/models')
  assert(merged.status === 200, `GET /models answered ${merged.status}`)
  const longModels = await read(MODELS_QUERY)
  assert(longModels.status === 200, `GET ${MODELS_QUERY} answered ${longModels.status}`)
  const long = longModels.json as { contextLength: number }[]
  assert(
    long.length > 0 && long.every((m) => m.contextLength === LONG_CONTEXT),
    `GET ${MODELS_QUERY}: expected only models of context ${LONG_CONTEXT}, got ${long.length}`,
  )
  const openai = await read('/v1/models')
  assert(openai.status === 200, `GET /v1/models answered ${openai.status}`)
  // The status page, as a browser signed in with the read token (as a bearer here) gets it.
  const fleetPage = await read('/')
  assert(fleetPage.status === 200, `GET / answered ${fleetPage.status}`)
  const fleetRows = String(fleetPage.json).match(/<tr role="row" data-backend=/g)?.length ?? 0
  assert(fleetRows === Math.min(n, FLEET_PAGE_SIZE), `GET / showed ${fleetRows} backends, expected one page of ${n}`)
  const modelsPage = await read('/status/models')
  assert(modelsPage.status === 200, `GET /status/models answered ${modelsPage.status}`)

  // Routes whose answers grow with the fleet come last: the garbage a 23 MiB answer leaves behind
  // would otherwise be collected during, and charged to, the next route's run.
  const routes: Route[] = [
    { name: '/healthz', path: '/healthz', expect: 200, bytes: healthz.bytes, holds: '' },
    {
      name: '/state 304',
      path: '/state',
      headers: { 'Accept-Encoding': 'identity', 'If-None-Match': etag },
      expect: 304,
      bytes: 0,
      holds: '',
    },
    { name: '/state/:id', path: `/state/${id}`, expect: 200, bytes: one.bytes, holds: `${models} models` },
    { name: PROVIDERS_QUERY, path: PROVIDERS_QUERY, expect: 200, bytes: providers.bytes, holds: `${entries} entries` },
    {
      name: PROVIDERS_FACTS_QUERY,
      path: PROVIDERS_FACTS_QUERY,
      expect: 200,
      bytes: unknownFacts.bytes,
      holds: '0 entries',
    },
    {
      name: '/models',
      path: '/models',
      expect: 200,
      bytes: merged.bytes,
      holds: `${(merged.json as unknown[]).length} models`,
    },
    { name: MODELS_QUERY, path: MODELS_QUERY, expect: 200, bytes: longModels.bytes, holds: `${long.length} models` },
    {
      name: '/v1/models',
      path: '/v1/models',
      expect: 200,
      bytes: openai.bytes,
      holds: `${(openai.json as { data: unknown[] }).data.length} models`,
    },
    {
      name: '/ (fleet page)',
      path: '/',
      headers: BROWSER_ENCODINGS,
      expect: 200,
      bytes: fleetPage.bytes,
      holds: `${fleetRows} backends`,
    },
    {
      name: '/status/models',
      path: '/status/models',
      headers: BROWSER_ENCODINGS,
      expect: 200,
      bytes: modelsPage.bytes,
      holds: `${String(modelsPage.json).match(/<tr role="row" data-model=/g)?.length ?? 0} models`,
    },
    { name: STATE_PAGE, path: STATE_PAGE, expect: 200, bytes: page.bytes, holds: `${pageLength} backends` },
    {
      name: '/state gzip',
      path: '/state',
      headers: { 'Accept-Encoding': 'gzip' },
      expect: 200,
      bytes: gzippedBytes,
      holds: `${n} backends`,
    },
    {
      name: '/state',
      path: '/state',
      headers: { 'Accept-Encoding': 'identity' },
      expect: 200,
      bytes: state.bytes,
      holds: `${n} backends`,
    },
  ]
  console.error(`bench-read: N=${n}: bodies ${describeBodies(routes)}`)
  return routes.filter((r) => r.name === '/healthz' || ROUTE_FILTER.length === 0 || ROUTE_FILTER.includes(r.name))
}

/** Bytes of an answer as sent, before any decoding (node:http does not decode). */
export function encodedSize(base: URL, route: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      new URL(route, base).href,
      { headers: { Authorization: `Bearer ${READ_TOKEN}`, ...headers } },
      (response) => {
        let bytes = 0
        response.on('data', (chunk: Buffer) => (bytes += chunk.length))
        response.on('end', () => resolve(bytes))
        response.on('error', reject)
      },
    )
    request.on('error', reject)
  })
}

export const describeBodies = (routes: Route[]) =>
  routes
    .filter((r) => r.name !== '/healthz' && r.bytes > 0)
    .map((r) => `${r.name} ${fmtBytes(r.bytes)}${r.holds ? ` (${r.holds})` : ''}`)
    .join(', ')
