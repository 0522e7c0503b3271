import { mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import pg from 'pg'
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { SOURCE_WORDS } from '../../src/pages/facts'
import type { ModelPullStatus } from '../../src/published/types'
import { TEST_SETTINGS } from '../settings'

/**
 * The pages as an operator sees them, in Debian's Chromium (`apt-get install chromium`; another
 * binary with CHROMIUM_PATH). npm's own browser downloads cannot reach their host here.
 */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const SCREENSHOTS = 'test-results'
const DESKTOP = { width: 1280, height: 900 }
const PHONE = { width: 390, height: 844 }

const baseUrl = inject('baseUrl')
const backends = inject('backends')
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

let browser: Browser

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  // Root in CI: Chromium's sandbox needs a user namespace it does not get there.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
})

afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the launch in beforeAll failed
  await browser?.close()
})

/** A context whose every request is recorded, and refused when it is for another host. */
async function recordingContext(options: Parameters<Browser['newContext']>[0] = {}) {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: DESKTOP, ...options })
  const requested: string[] = []
  await context.route('**/*', (route) => {
    const url = route.request().url()
    requested.push(url)
    return new URL(url).host === new URL(baseUrl).host ? route.continue() : route.abort()
  })
  return { context, requested }
}

async function signIn(page: Page, token: string) {
  await page.goto('/')
  await page.fill('#token', token)
  await page.click('button[type=submit]')
}

async function signedInContext(options: Parameters<Browser['newContext']>[0] = {}) {
  const recording = await recordingContext(options)
  const page = await recording.context.newPage()
  await signIn(page, TEST_SETTINGS.READ_TOKEN)
  await page.waitForURL(`${baseUrl}/`)
  return { ...recording, page }
}

/** The hours the database holds probes for, for one backend, over the last 24. */
async function hoursProbed(backendId: string): Promise<{ hour: string; probes: number; good: number }[]> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') })
  await client.connect()
  try {
    const result = await client.query<{ hour: Date; probes: number; good: number }>(
      "select hour, probes, good from backend_rollups where backend_id = $1 and probes > 0 and hour > now() - interval '24 hours' order by hour",
      [backendId],
    )
    return result.rows.map((r) => ({ hour: new Date(r.hour).toISOString(), probes: r.probes, good: r.good }))
  } finally {
    await client.end()
  }
}

function outside(requested: string[]): string[] {
  return requested.filter((url) => !url.startsWith('data:') && new URL(url).host !== new URL(baseUrl).host)
}

async function seriousViolations(page: Page) {
  await page.addScriptTag({ content: axeSource })
  const results = await page.evaluate<{
    violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[]
  }>('axe.run(document, { resultTypes: ["violations"] })')
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`)
}

describe('logging in', () => {
  let context: BrowserContext

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the first test failed before making it
  afterAll(async () => context?.close())

  it('refuses a wrong token with a message, and sets no cookie', async () => {
    ;({ context } = await recordingContext())
    const page = await context.newPage()
    await signIn(page, 'sk-test-not-the-read-token')
    await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('That token was not accepted')
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(await context.cookies()).toEqual([])
  })

  it('sets an HttpOnly, Secure, SameSite=Strict session cookie that holds no token', async () => {
    const page = await context.newPage()
    await signIn(page, TEST_SETTINGS.READ_TOKEN)
    await page.waitForURL(`${baseUrl}/`)
    await expect.poll(() => page.locator('h1').textContent()).toBe('Fleet')
    const cookies = await context.cookies()
    expect(cookies).toHaveLength(1)
    const [cookie] = cookies
    expect(cookie!.name).toBe('__Host-runtimestate-session')
    expect(cookie!.httpOnly).toBe(true)
    expect(cookie!.secure).toBe(true)
    expect(cookie!.sameSite).toBe('Strict')
    for (const token of [TEST_SETTINGS.READ_TOKEN, TEST_SETTINGS.ADMIN_TOKEN]) {
      expect(cookie!.value).not.toContain(token)
    }
    expect(await page.evaluate('document.cookie')).toBe('')
  })
})

describe('the fleet page', () => {
  it('shows each backend with the status /state gives it', async () => {
    const { context, page, requested } = await signedInContext()
    const state = await (
      await fetch(`${baseUrl}/state`, { headers: { Authorization: `Bearer ${TEST_SETTINGS.READ_TOKEN}` } })
    ).json<{ id: string; name: string; status: string }[]>()
    const statuses = new Set(state.map((s) => s.status))
    // The fleet was made to show every status a router acts on.
    for (const status of ['healthy', 'degraded', 'suspect', 'down', 'recovering', 'unconfigured']) {
      expect(statuses).toContain(status)
    }
    for (const backend of state) {
      const row = page.locator(`tr[data-backend="${backend.id}"]`)
      expect(await row.locator('td[data-label=Backend] a').textContent()).toBe(backend.name)
      expect((await row.locator('td[data-label=Status]').textContent())?.trim()).toMatch(
        new RegExp(`${backend.status}$`),
      )
    }
    expect(await page.locator('tbody tr').count()).toBe(state.length)
    expect(outside(requested)).toEqual([])
    await context.close()
  })

  it('narrows the rows with the filter, with JavaScript off', async () => {
    const { context, page } = await signedInContext({ javaScriptEnabled: false })
    await page.selectOption('select[name=status]', 'down')
    await page.click('form[role=search] button[type=submit]')
    await page.waitForURL(/status=down/)
    const rows = await Promise.all((await page.locator('tbody tr').all()).map((tr) => tr.getAttribute('data-backend')))
    expect(rows).toEqual([backends['vllm-dead']])
    await page.selectOption('select[name=status]', '')
    await page.fill('input[name=model]', 'LLAMA')
    await page.click('form[role=search] button[type=submit]')
    await page.waitForURL(/model=LLAMA/)
    const named = await page.locator('tbody tr td[data-label=Backend] a').allTextContents()
    expect(named.length).toBeGreaterThan(0)
    expect(named.length).toBeLessThan(Object.keys(backends).length)
    expect(named).toContain('gpu-box-1')
    await context.close()
  })
})

describe('a backend page', () => {
  it('shows its models and its uptime chart, one bar per hour it was probed', async () => {
    const { context, page } = await signedInContext()
    await page.goto(`/status/backends/${backends['vllm-back-again']}`)
    expect(await page.locator('h1').textContent()).toContain('vllm-back-again')
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(0)
    expect(await page.locator('tbody code').first().textContent()).toBeTruthy()
    const chart = page.locator('figure.chart svg')
    expect(await chart.count()).toBe(1)
    const hours = await hoursProbed(backends['vllm-back-again']!)
    expect(hours.length).toBeGreaterThan(1)
    const drawn = await Promise.all(
      (await chart.locator('rect.bar').all()).map(async (bar) => [
        await bar.getAttribute('data-hour'),
        await bar.getAttribute('class'),
      ]),
    )
    expect(drawn.map(([hour]) => hour)).toEqual(hours.map((h) => h.hour))
    // An hour with every probe good is drawn as good, its hours with 3 and 0 good of 12 as bad.
    for (const [i, { probes, good }] of hours.entries()) {
      if (good === probes) expect(drawn[i]![1]).toBe('bar ok')
      if (good <= probes / 4) expect(drawn[i]![1]).toBe('bar bad')
    }
    expect(hours.filter((h) => h.good <= h.probes / 4).length).toBeGreaterThanOrEqual(2)
    await context.close()
  })
})

type PublishedModel = Pick<ModelPullStatus, 'model' | 'limits' | 'pricing' | 'sources'>

async function publishedModels(backendId: string): Promise<PublishedModel[]> {
  const response = await fetch(`${baseUrl}/state/${backendId}`, {
    headers: { Authorization: `Bearer ${TEST_SETTINGS.READ_TOKEN}` },
  })
  return (await response.json<{ pulledModels: PublishedModel[] }>()).pulledModels
}

/** At least how many tokens a label says: `128k` → 128000 (or 131072), `1M` → 1000000, `40,960` → 40960. */
const tokens = (text: string) => {
  const unit = { k: 1000, M: 1_000_000 }[text.slice(-1)]
  return unit ? Number(text.slice(0, -1)) * unit : Number(text.replace(/,/g, ''))
}

describe('the facts of each model', () => {
  it('shows context, output and prices with the source /state gives each, catalog-only values marked', async () => {
    const { context, page } = await signedInContext()
    const id = backends['openrouter-keyed']!
    await page.goto(`/status/backends/${id}`)
    const models = await publishedModels(id)
    expect(models.length).toBeGreaterThan(0)
    const sources = new Set<string>()
    for (const [i, model] of models.entries()) {
      const row = page.locator('tbody tr').nth(i)
      expect(await row.locator('td[data-label=Model] code').textContent()).toBe(model.model)
      for (const [label, what, source] of [
        ['Context', 'Context', model.sources.limits.context],
        ['Output', 'Output', model.sources.limits.output],
      ] as const) {
        const fact = row.locator(`td[data-label=${label}] .fact`)
        // On hover, and in words for a screen reader.
        expect(await fact.getAttribute('title')).toBe(`${what}: ${SOURCE_WORDS[source]}`)
        expect(await fact.locator('.sr-only').textContent()).toContain(
          source === 'unknown' ? 'unknown' : SOURCE_WORDS[source],
        )
        expect(await fact.locator('.catalog-mark').count()).toBe(source === 'catalog' ? 1 : 0)
        sources.add(source)
      }
      if (model.pricing.input !== null) {
        const price = row.locator('td[data-label="Price per 1M"] .fact').first()
        expect(await price.getAttribute('title')).toBe(`Input price: ${SOURCE_WORDS[model.sources.pricing.input]}`)
        expect(await price.textContent()).toMatch(/^\$[\d.,]+/)
      }
    }
    expect(sources).toContain('discovered')
    expect(await page.locator('.legend').textContent()).toContain('only from the models.dev catalog')
    // The catalog fills in what a listing leaves out: some value on the models page is catalog-only.
    await page.goto('/status/models')
    const marked = page.locator('tbody .catalog-mark')
    expect(await marked.count()).toBeGreaterThan(0)
    const markedTitle = await marked.first().locator('xpath=..').getAttribute('title')
    expect(markedTitle).toMatch(/: from the models\.dev catalog$/)
    await context.close()
  })

  it('filters the models page by capability, context and price, with JavaScript off', async () => {
    const { context, page } = await signedInContext({ javaScriptEnabled: false })
    await page.goto('/status/models')
    const all = await page.locator('tbody tr').count()
    await page.selectOption('select[name=tools]', 'true')
    await page.fill('input[name=minContext]', '100000')
    await page.click('form[role=search] button[type=submit]')
    await page.waitForURL(/tools=true/)
    expect(new URL(page.url()).searchParams.get('minContext')).toBe('100000')
    const rows = page.locator('tbody tr')
    const count = await rows.count()
    expect(count).toBeGreaterThan(0)
    expect(count).toBeLessThan(all)
    for (let i = 0; i < count; i++) {
      const row = rows.nth(i)
      expect(await row.locator('li.cap-tools').count()).toBe(1)
      // The value is the element's first text node; the source's words follow it for screen readers.
      const shown = await row
        .locator('td[data-label=Context] .fact')
        .evaluate((el: { firstChild: { textContent: string | null } | null }) => el.firstChild?.textContent ?? '')
      expect(tokens(shown)).toBeGreaterThanOrEqual(100000)
    }
    // The form keeps what was asked.
    expect(await page.locator('select[name=tools]').inputValue()).toBe('true')
    expect(await page.locator('input[name=minContext]').inputValue()).toBe('100000')

    const wrong = await page.goto('/status/models?minContext=lots&maxInputPrice=-1')
    expect(wrong!.status()).toBe(400)
    const alert = page.locator('[role=alert]')
    expect(await alert.textContent()).toContain('Min context (tokens) must be a whole number')
    expect(await alert.textContent()).toContain('Max input price ($/1M) must be at least 0')
    expect(await page.locator('input[name=minContext]').getAttribute('aria-invalid')).toBe('true')
    expect(await page.locator('tbody tr').count()).toBe(0)
    await context.close()
  })
})

describe('/docs', () => {
  it('renders the operations list with no request leaving the Worker', async () => {
    const { context, requested } = await recordingContext()
    const page = await context.newPage()
    await page.goto('/docs')
    // The first tag's operations list, rendered by the script from /openapi.json.
    await expect
      .poll(() => page.getByText('/state/{backendId}', { exact: true }).count(), { timeout: 30_000 })
      .toBeGreaterThan(0)
    expect(await page.getByText('runtimestate', { exact: true }).count()).toBeGreaterThan(0)
    expect(requested.some((url) => url.endsWith('/openapi.json'))).toBe(true)
    expect(outside(requested)).toEqual([])
    // The declared bearer scheme is offered, its token field ready.
    expect(await page.getByText('Bearer Token', { exact: false }).count()).toBeGreaterThan(0)
    // At 1280 px, as an operator first sees it (kept in test-results/ for a look, not committed).
    await page.screenshot({ path: `${SCREENSHOTS}/docs-1280.png` })
    await context.close()
  })
})

describe('screenshots and accessibility', () => {
  const pages = () => [
    { name: 'fleet', path: '/' },
    { name: 'backend', path: `/status/backends/${backends['vllm-back-again']}` },
    { name: 'models', path: '/status/models' },
    { name: 'models-filtered', path: '/status/models?tools=true&minContext=100000&maxInputPrice=5' },
    { name: 'models-invalid', path: '/status/models?minContext=lots' },
    { name: 'backend-priced', path: `/status/backends/${backends['openrouter-keyed']}` },
    { name: 'events', path: '/status/events' },
  ]

  for (const [width, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    it(`every page at ${width} width is saved, fits, and has no serious accessibility violation`, async () => {
      const { context, page } = await signedInContext({ viewport, bypassCSP: true })
      for (const { name, path } of pages()) {
        await page.goto(path)
        await page.screenshot({ path: `${SCREENSHOTS}/${name}-${width}.png`, fullPage: true })
        // Nothing wider than the screen: no sideways scrolling on a phone.
        expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(viewport.width)
        expect(await seriousViolations(page), `${name} at ${width}`).toEqual([])
      }
      await context.close()
    })
  }
})

describe('the webhooks page, for admins', () => {
  beforeAll(async () => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') })
    await client.connect()
    try {
      // Subscriptions as deliveries leave them: one delivering, one a receiver switched off with a 410.
      await client.query(
        `insert into webhook_subscriptions (id, url, format, events, description, page_origin, enabled, disabled_reason, disabled_at, failing_since)
        values ('wh-pager', 'https://alerts.example.com/runtimestate?token=x', 'standard', '["status.changed","backend.removed"]', 'on-call pager', $1, true, null, null, now() - interval '2 hours'),
               ('wh-slack', 'https://hooks.slack.example/services/T000/B000/XXXX', 'slack', '["*"]', null, $1, false, 'the receiver answered 410 Gone at 2026-12-08T01:00:00.000Z', now(), null)
        on conflict do nothing`,
        [baseUrl],
      )
      await client.query(`insert into webhook_deliveries (subscription_id, message_id, type, seq, payload, status, attempts, next_attempt_at, created_at)
        values ('wh-pager', 'msg_1', 'status.changed', 1, '{}', 'pending',
          jsonb_build_array(jsonb_build_object('at', now() - interval '2 hours', 'result', 'retry', 'httpStatus', 503, 'durationMs', 41, 'response', 'busy', 'error', 'the receiver answered 503')),
          now() + interval '5 minutes', now() - interval '2 hours'),
          ('wh-slack', 'msg_2', 'backend.added', 2, '{}', 'failed',
          jsonb_build_array(jsonb_build_object('at', now() - interval '1 hour', 'result', 'gone', 'httpStatus', 410, 'durationMs', 12, 'response', '', 'error', 'the receiver answered 410 Gone')),
          null, now() - interval '1 hour')`)
    } finally {
      await client.end()
    }
  })

  it('shows each subscription, its last delivery and why it was disabled; a reader is told it is for admins', async () => {
    const reader = await signedInContext()
    const refused = await reader.page.goto('/status/webhooks')
    expect(refused?.status()).toBe(403)
    expect(await reader.page.locator('main').innerText()).toContain('This page is for admins')
    await reader.context.close()

    for (const [width, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      const { context } = await recordingContext({ viewport, bypassCSP: true })
      const page = await context.newPage()
      await signIn(page, TEST_SETTINGS.ADMIN_TOKEN)
      await page.goto('/status/webhooks')
      const rows = page.locator('tbody tr')
      expect(await rows.count()).toBe(2)
      const text = await page.locator('main').innerText()
      expect(text).toContain('https://alerts.example.com/runtimestate?…')
      expect(text).toContain('https://hooks.slack.example/…')
      expect(text).not.toContain('XXXX')
      expect(text).toContain('the receiver answered 410 Gone')
      expect(text).toContain('the receiver answered 503')
      await page.screenshot({ path: `${SCREENSHOTS}/webhooks-${width}.png`, fullPage: true })
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(viewport.width)
      expect(await seriousViolations(page), `webhooks at ${width}`).toEqual([])
      await context.close()
    }
  })
})

// Last: it changes the fleet.
describe('the fleet table, with JavaScript on', () => {
  it('revalidates every 30 s with its ETag and shows a change without a reload', async () => {
    const { context } = await recordingContext()
    const page = await context.newPage()
    await page.clock.install()
    await signIn(page, TEST_SETTINGS.READ_TOKEN)
    await page.waitForURL(`${baseUrl}/`)
    const revalidations: (string | undefined)[] = []
    page.on('request', (request) => {
      if (request.url() === `${baseUrl}/` && request.resourceType() === 'fetch') {
        revalidations.push(request.headers()['if-none-match'])
      }
    })
    await page.clock.fastForward('00:31')
    await expect.poll(() => revalidations.length).toBe(1)
    expect(revalidations[0]).toMatch(/^"[^"]+"$/)

    const admin = { Authorization: `Bearer ${TEST_SETTINGS.ADMIN_TOKEN}`, 'Content-Type': 'application/json' }
    const baseUrlOfFake = `${inject('fakeProvidersUrl')}/ollama/ok/late-arrival`
    const created = await fetch(`${baseUrl}/backends`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'late-arrival', type: 'ollama', baseUrl: baseUrlOfFake }),
    })
    expect(created.status).toBe(201)
    expect((await fetch(`${baseUrl}/__scheduled?cron=*/5+*+*+*+*`)).status).toBe(200)
    await page.clock.fastForward('00:31')
    const row = page.locator('td[data-label=Backend] a', { hasText: 'late-arrival' })
    await expect.poll(() => row.count()).toBe(1)
    // The summary and the counts above the table came with it, as /state has them now.
    const state = await (
      await fetch(`${baseUrl}/state`, { headers: { Authorization: `Bearer ${TEST_SETTINGS.READ_TOKEN}` } })
    ).json<{ status: string }[]>()
    expect(await page.locator('#summary').textContent()).toContain(`${state.length} backends`)
    for (const status of ['healthy', 'down']) {
      const count = page.locator(`#counts a[href="/?status=${status}"] strong`)
      expect(await count.textContent()).toBe(String(state.filter((s) => s.status === status).length))
    }
    expect(revalidations).toHaveLength(2)
    expect(page.url()).toBe(`${baseUrl}/`)
    await context.close()
  })
})
