import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { SnapshotPublisher } from '../src/reconcile/publish-snapshot'
import { STYLESHEET } from '../src/pages/assets'
import { backendState, servedModel } from './support/published'
import type { ModelPullStatus } from '../src/published/types'
import { READER, call, createBackend, fake, fetchWith, readState, resetAll, runScheduled, withDb } from './helpers'

beforeEach(resetAll)

const ORIGIN = 'http://runtimestate.test'
const BROKEN_DATABASE = {
  DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:1/postgres',
  NEON_WS_PROXY: '127.0.0.1:1',
}

function login(token: string, next = '/') {
  return call('/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN },
    body: new URLSearchParams({ token, next }).toString(),
    redirect: 'manual',
  })
}

/** The session cookie a right token gets, as `name=value` for a Cookie header. */
async function session(): Promise<string> {
  const response = await login(env.READ_TOKEN)
  return response.headers.get('Set-Cookie')!.split(';')[0]!
}

const rowsOf = (html: string) =>
  [...html.matchAll(/<tr role="row" data-backend="([^"]+)" data-status="([^"]+)">/g)]
    .map(([, id, status]) => ({ id: id!, status: status! }))
    .sort(byId)

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

async function fleetOfThree() {
  const ok = await createBackend('ollama-ok', 'ollama', fake('ollama', 'ok', 'p1'))
  const broken = await createBackend('vllm-broken', 'vllm', fake('vllm', 'status-500', 'p2'))
  const other = await createBackend('vllm-ok', 'vllm', fake('vllm', 'ok', 'p3'))
  await runScheduled()
  return { ok, broken, other }
}

describe('signing in to the status pages', () => {
  it('sends a browser without a session to the login form, and back to where it was going', async () => {
    const response = await call('/status/models?q=llama', { redirect: 'manual' })
    expect(response.status).toBe(303)
    expect(response.headers.get('Location')).toBe('/login?next=%2Fstatus%2Fmodels%3Fq%3Dllama')
    const form = await call('/login?next=%2Fstatus%2Fmodels')
    expect(form.status).toBe(200)
    const html = await form.text()
    expect(html).toContain('<form class="login" method="post" action="/login">')
    expect(html).toContain('name="next" value="/status/models"')
  })

  it('refuses a wrong token with a message and sets no cookie', async () => {
    const response = await login('not-the-token')
    expect(response.status).toBe(401)
    expect(response.headers.get('Set-Cookie')).toBeNull()
    expect(await response.text()).toContain('That token was not accepted')
    const empty = await login('   ')
    expect(empty.status).toBe(400)
    expect(await empty.text()).toContain('Enter the read token.')
  })

  it('gives a right token an HttpOnly, Secure, SameSite=Strict cookie that holds no token', async () => {
    for (const token of [env.READ_TOKEN, env.ADMIN_TOKEN]) {
      const response = await login(token, '/status/events')
      expect(response.status).toBe(303)
      expect(response.headers.get('Location')).toBe('/status/events')
      const cookie = response.headers.get('Set-Cookie')!
      expect(cookie).toMatch(/^__Host-runtimestate-session=\d{10}\.[\w-]{43};/)
      expect(cookie).toMatch(/; HttpOnly/)
      expect(cookie).toMatch(/; Secure/)
      expect(cookie).toMatch(/; SameSite=Strict/)
      expect(cookie).toMatch(/; Path=\//)
      expect(cookie).not.toContain(token)
    }
    const page = await call('/', { headers: { Cookie: await session() } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Log out')
  })

  it('reloads a link followed from another site once, so that the Strict cookie comes along', async () => {
    const cookie = await session()
    const landing = await call('/status/models', { headers: { 'Sec-Fetch-Site': 'cross-site' }, redirect: 'manual' })
    expect(landing.status).toBe(200)
    expect(await landing.text()).toContain('<meta http-equiv="refresh" content="0; url=/status/models"/>')
    const reloaded = await call('/status/models', { headers: { 'Sec-Fetch-Site': 'same-origin', Cookie: cookie } })
    expect(reloaded.status).toBe(200)
    const without = await call('/status/models', { headers: { 'Sec-Fetch-Site': 'same-origin' }, redirect: 'manual' })
    expect(without.status).toBe(303)
  })

  it('goes back only to a path on this host', async () => {
    expect((await login(env.READ_TOKEN, '/status/models?q=a%20b')).headers.get('Location')).toBe(
      '/status/models?q=a%20b',
    )
    for (const next of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      '/\t/evil.example',
      '/ok\r\nSet-Cookie: x=1',
    ]) {
      expect((await login(env.READ_TOKEN, next)).headers.get('Location')).toBe('/')
    }
  })

  it('refuses a form posted from another site', async () => {
    const response = await call('/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://evil.example' },
      body: new URLSearchParams({ token: env.READ_TOKEN }).toString(),
    })
    expect(response.status).toBe(403)
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/)
    expect(response.headers.get('Set-Cookie')).toBeNull()
  })

  it('ends the session on log out, and refuses a forged cookie', async () => {
    const out = await call('/logout', {
      method: 'POST',
      headers: { Origin: ORIGIN, Cookie: await session() },
      redirect: 'manual',
    })
    expect(out.status).toBe(303)
    expect(out.headers.get('Set-Cookie')).toMatch(/^__Host-runtimestate-session=; Max-Age=0/)
    const forged = `__Host-runtimestate-session=${Math.floor(Date.now() / 1000) + 60}.${'A'.repeat(43)}`
    expect((await call('/', { headers: { Cookie: forged }, redirect: 'manual' })).status).toBe(303)
  })

  it('takes a read token as a bearer, and is open to all with PUBLIC_READ=true', async () => {
    expect((await call('/', { headers: READER })).status).toBe(200)
    const open = await fetchWith({ PUBLIC_READ: 'true' }, '/')
    expect(open.status).toBe(200)
    expect(await open.text()).not.toContain('Log out')
    const login = await fetchWith({ PUBLIC_READ: 'true' }, '/login', { redirect: 'manual' })
    expect(login.status).toBe(303)
  })

  it('says so on a page when no read token is configured', async () => {
    const response = await fetchWith({ READ_TOKEN: '', ADMIN_TOKEN: '' }, '/login')
    expect(response.status).toBe(200)
    const refused = await fetchWith({ READ_TOKEN: '', ADMIN_TOKEN: '' }, '/')
    expect(refused.status).toBe(503)
    expect(refused.headers.get('Content-Type')).toMatch(/^text\/html/)
    expect(await refused.text()).toContain('reads need READ_TOKEN or ADMIN_TOKEN')
  })
})

describe('the fleet page', () => {
  it('shows every backend with its published status, counts, and nothing from elsewhere', async () => {
    await fleetOfThree()
    const response = await call('/', { headers: READER })
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Security-Policy')).toContain("default-src 'self'")
    const html = await response.text()
    const published = await readState<{ id: string; status: string }[]>()
    expect(rowsOf(html)).toEqual(published.map((s) => ({ id: s.id, status: s.status })).sort(byId))
    expect(html).toMatch(/<a href="\/\?status=healthy">.*?<strong>2<\/strong><\/a>/)
    expect(html).toMatch(/<a href="\/\?status=down">.*?<strong>1<\/strong><\/a>/)
    expect(html).toMatch(/<div class="error" title="[^"]*500/)
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
    expect(await call('/status', { headers: READER }).then((r) => r.text())).toContain('data-backend=')
  })

  it('narrows the rows by type, status and model name', async () => {
    const { ok, broken, other } = await fleetOfThree()
    const ids = async (query: string) =>
      rowsOf(await (await call(`/${query}`, { headers: READER })).text()).map((r) => r.id)
    expect((await ids('?status=down')).sort()).toEqual([broken])
    expect((await ids('?type=vllm')).sort()).toEqual([broken, other].sort())
    const [someModel] = (await readState<{ id: string; models: string[] }[]>()).find((s) => s.id === ok)!.models
    expect(await ids(`?model=${encodeURIComponent(someModel!.toUpperCase())}`)).toContain(ok)
    expect(await ids('?model=no-such-model-anywhere')).toEqual([])
    expect(await (await call('/?model=no-such-model-anywhere', { headers: READER })).text()).toContain(
      'No backend matches this filter.',
    )
  })

  it('escapes what admins and backends name, in text and in attributes', async () => {
    const id = await createBackend('<img src=x onerror=alert(1)>"', 'vllm', fake('vllm', 'status-500', 'x1'))
    await runScheduled()
    const fleet = await (await call('/', { headers: READER })).text()
    const page = await (await call(`/status/backends/${id}`, { headers: READER })).text()
    for (const html of [fleet, page]) {
      expect(html).not.toContain('<img src=x')
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;')
    }
  })

  it('answers 304 to its ETag, and a new one after the fleet changes', async () => {
    await fleetOfThree()
    const first = await call('/', { headers: READER })
    const etag = first.headers.get('ETag')!
    expect(first.headers.get('Cache-Control')).toBe('private, no-cache')
    const again = await call('/', { headers: { ...READER, 'If-None-Match': etag } })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    expect((await call('/?status=down', { headers: { ...READER, 'If-None-Match': etag } })).status).toBe(200)
    await createBackend('late', 'ollama', fake('ollama', 'ok', 'p4'))
    await runScheduled()
    const changed = await call('/', { headers: { ...READER, 'If-None-Match': etag } })
    expect(changed.status).toBe(200)
    expect(await changed.text()).toContain('>late</a>')
  })

  it('renders from the snapshot alone: it answers while Postgres is down', async () => {
    await fleetOfThree()
    const response = await fetchWith(BROKEN_DATABASE, '/', { headers: READER })
    expect(response.status).toBe(200)
    expect(rowsOf(await response.text())).toHaveLength(3)
    expect((await fetchWith(BROKEN_DATABASE, '/status/models', { headers: READER })).status).toBe(200)
  })

  it('is gzipped once for a browser that takes it, with an ETag of its own', async () => {
    await fleetOfThree()
    const plain = await call('/', { headers: READER })
    const zipped = await call('/', { headers: { ...READER, 'Accept-Encoding': 'gzip, deflate, br' } })
    expect(zipped.headers.get('Content-Encoding')).toBe('gzip')
    expect(zipped.headers.get('Vary')).toBe('Accept-Encoding')
    expect(zipped.headers.get('ETag')).not.toBe(plain.headers.get('ETag'))
    // The runtime decodes gzip when the body is read, as browsers do.
    const rows = rowsOf(await plain.text())
    expect(rows).toHaveLength(3)
    expect(rowsOf(await zipped.text())).toEqual(rows)
  })

  it('says so, with the routes to use instead, when the fleet is too large for its view', async () => {
    const fleet = [backendState('b1'), backendState('b2')]
    const store = new SnapshotPublisher(env.KV, { maxViewBytes: 10 })
    const { meta } = await store.publish({ backends: fleet }, null, { now: new Date(), heartbeatSeconds: 900 })
    expect(meta!.views.fleet).toBeNull()
    const response = await call('/', { headers: READER })
    expect(response.status).toBe(503)
    expect(await response.text()).toContain('GET /state?limit=100')
    expect((await call('/state/b1', { headers: READER })).status).toBe(200)
  })

  it('says when nothing has been published yet', async () => {
    const html = await (await call('/', { headers: READER })).text()
    expect(html).toContain('No snapshot yet')
  })
})

describe('a backend page', () => {
  it('shows its models with capabilities and context, its uptime bars and its events', async () => {
    const { ok } = await fleetOfThree()
    await runScheduled()
    const response = await call(`/status/backends/${ok}`, { headers: READER })
    expect(response.status).toBe(200)
    const html = await response.text()
    const state = (await readState<{ id: string; models: string[] }[]>()).find((s) => s.id === ok)!
    for (const model of state.models) expect(html).toContain(`<code>${model}</code>`)
    expect(html).toMatch(/<li class="cap cap-chat">chat<\/li>/)
    const hours = await withDb(async (db) => {
      const result = await db.execute<{ n: string }>(
        sql`select count(*) as n from backend_rollups where backend_id = ${ok}`,
      )
      return Number(result.rows[0]!.n)
    })
    expect(hours).toBeGreaterThan(0)
    expect(html.match(/<rect class="bar /g)).toHaveLength(hours)
    expect(html).toContain('data-kind="backend.added"')
    const etag = response.headers.get('ETag')!
    expect((await call(`/status/backends/${ok}`, { headers: { ...READER, 'If-None-Match': etag } })).status).toBe(304)
  })

  it('still shows the snapshot part while Postgres is down', async () => {
    const { ok } = await fleetOfThree()
    const response = await fetchWith(BROKEN_DATABASE, `/status/backends/${ok}`, { headers: READER })
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(html).toContain('The database cannot be read right now')
    expect(html).toContain('ollama-ok')
  })

  it('is a 404 page for an unknown backend', async () => {
    await fleetOfThree()
    const response = await call('/status/backends/no-such-backend', { headers: READER })
    expect(response.status).toBe(404)
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/)
    expect(await response.text()).toContain('No backend no-such-backend')
  })
})

describe('the models page', () => {
  it('lists each model with the backends that serve it, and finds by id and capability', async () => {
    const { ok, other } = await fleetOfThree()
    const states = await readState<{ id: string; models: string[] }[]>()
    const html = await (await call('/status/models', { headers: READER })).text()
    const all = new Set(states.flatMap((s) => s.models))
    expect([...html.matchAll(/<tr role="row" data-model="([^"]+)">/g)].map(([, id]) => id)).toEqual([...all].sort())
    const model = states.find((s) => s.id === ok)!.models[0]!
    const found = await (await call(`/status/models?q=${encodeURIComponent(model)}`, { headers: READER })).text()
    expect(found).toContain(`href="/status/backends/${ok}"`)
    const embed = await (await call('/status/models?capability=embed', { headers: READER })).text()
    for (const [, id] of embed.matchAll(/<tr role="row" data-model="([^"]+)">/g)) expect(all.has(id!)).toBe(true)
    expect(states.find((s) => s.id === other)).toBeDefined()
    expect((await call('/status/models?page=0', { headers: READER })).status).toBe(400)
  })

  it('names the first backends of a model, the serving ones first, and links to the rest', async () => {
    // Named to come first in the fleet's order, and suspect (serving its last list, stale) after two cycles.
    const flaky = await createBackend('box-0-flaky', 'vllm', fake('vllm', 'script-ok.500', 'm0'))
    const ids: string[] = []
    for (let i = 1; i <= 6; i++) ids.push(await createBackend(`box-${i}`, 'vllm', fake('vllm', 'ok', `m${i}`)))
    await runScheduled({ FAIL_THRESHOLD: '3' })
    await runScheduled({ FAIL_THRESHOLD: '3' })
    const states = await readState<{ id: string; status: string; models: string[] }[]>()
    expect(states.find((s) => s.id === flaky)!.status).toBe('suspect')
    const model = states.find((s) => s.id === ids[0])!.models[0]!
    const html = await (await call(`/status/models?q=${encodeURIComponent(model)}`, { headers: READER })).text()
    const start = html.indexOf(`<tr role="row" data-model="${model}">`)
    const row = html.slice(start, html.indexOf('</tr>', start))
    const named = [...row.matchAll(/href="\/status\/backends\/([^"]+)"/g)].map(([, id]) => id)
    expect(named).toEqual(ids.slice(0, 5))
    expect(row).toContain(`href="/?${new URLSearchParams({ model }).toString()}">all 7 backends</a>`)
  })
})

/** A model whose context, prices and reasoning only the catalog gives; its tools and output from its listing. */
function catalogued(id: string, over: { context: number; input: number; output: number }): ModelPullStatus {
  const model = servedModel(id, { contextLength: over.context, maxOutputTokens: 8192, tools: true })
  return {
    ...model,
    canThink: true,
    capabilities: { ...model.capabilities, reasoning: true },
    pricing: { input: over.input, output: over.output, cacheRead: null, cacheWrite: null },
    modalities: { input: ['text', 'image'], output: ['text'] },
    sources: {
      ...model.sources,
      limits: { ...model.sources.limits, context: 'catalog' },
      capabilities: { ...model.sources.capabilities, reasoning: 'catalog' },
      pricing: { input: 'catalog', output: 'catalog', cacheRead: 'unknown', cacheWrite: 'unknown' },
      modalities: { input: 'catalog', output: 'catalog' },
    },
    catalog: { id: `openai/${id}`, date: '2026-11-01' },
  }
}

/** A published fleet of hand-made states, written as a cycle writes it. */
async function publish(...backends: ReturnType<typeof backendState>[]) {
  await new SnapshotPublisher(env.KV).publish({ backends }, null, { now: new Date(), heartbeatSeconds: 900 })
}

const modelRows = (html: string) => [...html.matchAll(/<tr role="row" data-model="([^"]+)">/g)].map(([, id]) => id)

describe('the facts of a model on the pages', () => {
  const fleet = () => [
    backendState('cloud', {
      pulledModels: [
        catalogued('big', { context: 200_000, input: 3, output: 15 }),
        catalogued('cheap', { context: 128_000, input: 0.15, output: 0.6 }),
      ],
    }),
    backendState('local', { pulledModels: [servedModel('llama', { contextLength: 8192, tools: null })] }),
  ]

  it('shows context, output and prices with their sources on hover and in words, catalog-only ones marked', async () => {
    await publish(...fleet())
    for (const path of ['/status/models', '/status/backends/cloud']) {
      const html = await (await call(path, { headers: READER })).text()
      expect(html).toContain('<span class="fact from-catalog" title="Context: from the models.dev catalog">200k')
      expect(html).toContain('<span class="catalog-mark" aria-hidden="true">†</span>')
      expect(html).toContain('<span class="sr-only"> (from the models.dev catalog)</span>')
      expect(html).toContain('title="Output: from the provider&#39;s listing">8k<span class="sr-only">')
      expect(html).toContain('title="Input price: from the models.dev catalog">$3<span class="catalog-mark"')
      expect(html).toContain('title="Tool calling: from the provider&#39;s listing">tools')
      expect(html).toContain('title="Reasoning: from the models.dev catalog">reasoning')
      expect(html).toContain('only from the models.dev catalog')
    }
    const local = await (await call('/status/backends/local', { headers: READER })).text()
    expect(local).toContain('title="Output: unknown: no source states it"><span aria-hidden="true">–</span>')
    expect(local).toContain('<li class="cap unknown" title="Tool calling: unknown: no source states it">tools')
  })

  it('filters the models page by the same facts as /models, an unknown value never matching', async () => {
    await publish(...fleet())
    const rows = async (query: string) =>
      modelRows(await (await call(`/status/models?${query}`, { headers: READER })).text())
    expect(await rows('')).toEqual(['big', 'cheap', 'llama'])
    expect(await rows('tools=true&vision=&minContext=150000&maxInputPrice=')).toEqual(['big'])
    expect(await rows('maxInputPrice=1&inputModality=image')).toEqual(['cheap'])
    expect(await rows('tools=false')).toEqual([])
    expect(await rows('reasoning=true')).toEqual(['big', 'cheap'])
    // An older link's capability=think asks the same.
    expect(await rows('capability=think')).toEqual(['big', 'cheap'])
    expect(await rows('minOutput=8192&capability=chat')).toEqual(['big', 'cheap'])
  })

  it('answers a filter it cannot read with the form and a message, not an error', async () => {
    await publish(...fleet())
    const response = await call('/status/models?minContext=lots&maxOutputPrice=-2&tools=maybe', { headers: READER })
    expect(response.status).toBe(400)
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/)
    const html = await response.text()
    expect(html).toContain('role="alert"')
    expect(html).toContain('Min context (tokens) must be a whole number')
    expect(html).toContain('Max output price ($/1M) must be at least 0')
    expect(html).toContain('value="lots"')
    expect(modelRows(html)).toEqual([])
  })
})

describe('the events page', () => {
  it('lists the change feed newest first, a page at a time', async () => {
    await fleetOfThree()
    const html = await (await call('/status/events', { headers: READER })).text()
    const kinds = [...html.matchAll(/<li data-kind="([^"]+)">/g)].map(([, kind]) => kind)
    expect(kinds.filter((k) => k === 'backend.added')).toHaveLength(3)
    const seqs = await withDb(async (db) => {
      const result = await db.execute<{ seq: string }>(sql`select seq from fleet_events order by seq desc`)
      return result.rows.map((r) => Number(r.seq))
    })
    expect(kinds).toHaveLength(seqs.length)
    const older = await (await call(`/status/events?before=${seqs[0]}`, { headers: READER })).text()
    expect([...older.matchAll(/<li data-kind=/g)]).toHaveLength(seqs.length - 1)
    expect(older).toContain('href="/status/events">Newest</a>')
    const invalid = await call('/status/events?before=abc', { headers: READER })
    expect(invalid.status).toBe(400)
    expect(await invalid.text()).toContain('before must be a whole number')
    expect((await fetchWith(BROKEN_DATABASE, '/status/events', { headers: READER })).status).toBe(503)
  })
})

describe('what the pages load', () => {
  it('serves its stylesheet itself, cached for a year under a name that changes with it', async () => {
    const response = await call(STYLESHEET.path)
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toMatch(/^text\/css/)
    expect(response.headers.get('Cache-Control')).toContain('immutable')
    expect((await call('/status/assets/style.00000000.css')).status).toBe(404)
  })

  it('/docs loads the API reference script from this Worker', async () => {
    const html = await (await call('/docs')).text()
    expect(html).toContain('<script src="/docs/assets/scalar-standalone.js"></script>')
    expect(html).not.toMatch(/src="(https?:)?\/\//)
    // Without the copy in public/ (tests run no static assets), the script's path says how to get it.
    const missing = await call('/docs/assets/scalar-standalone.js')
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain('npm run dev')
  })
})
