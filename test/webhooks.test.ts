import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { Webhook } from 'standardwebhooks'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import {
  ADMIN,
  READER,
  adminJson,
  allKvValues,
  call,
  createBackend,
  cycleWith,
  fake,
  fakeCalls,
  fetchWith,
  logsDuring,
  resetAll,
  until,
  withDb,
} from './helpers'

beforeEach(resetAll)

interface Subscription {
  id: string
  url: string
  enabled: boolean
  disabledReason: string | null
  secret?: string | null
  previousSecretValidUntil: string | null
}

interface Attempt {
  at: string
  result: string
  httpStatus: number | null
  durationMs: number
  response: string | null
  error: string | null
}

interface Delivery {
  id: number
  messageId: string
  type: string
  seq: number | null
  status: string
  nextAttemptAt: string | null
  attempts: Attempt[]
}

interface Received {
  method: string
  path: string
  headers: Record<string, string | undefined>
  body: string
}

/** The 422 a refused URL gets: its `param` and message. */
async function refusal(response: Response): Promise<{ status: number; param?: string; message: string }> {
  const { error } = await response.json<{ error: { param?: string; message: string } }>()
  return { status: response.status, param: error.param, message: error.message }
}

const receiverUrl = (behaviour: string, id: string) => `${fake('receiver', behaviour, id)}/hook`

async function subscribe(body: Record<string, unknown>): Promise<Subscription & { secret: string | null }> {
  const response = await adminJson('POST', '/webhooks', body)
  if (response.status !== 201) throw new Error(`POST /webhooks: ${response.status} ${await response.text()}`)
  return await response.json<Subscription & { secret: string | null }>()
}

async function received(id: string): Promise<Received[]> {
  return await (await fetch(`${fake('receiver', 'ok', id)}/__received`)).json<Received[]>()
}

async function deliveries(subscriptionId: string, query = ''): Promise<Delivery[]> {
  const response = await call(`/webhooks/${subscriptionId}/deliveries${query}`, { headers: ADMIN })
  expect(response.status).toBe(200)
  return (await response.json<{ deliveries: Delivery[] }>()).deliveries
}

async function subscription(id: string): Promise<Subscription> {
  return await (await call(`/webhooks/${id}`, { headers: ADMIN })).json<Subscription>()
}

/** What standardwebhooks, as a receiver would run it, makes of a message; it checks the timestamp against `at`. */
function verified(secret: string, message: Received, at = new Date()): unknown {
  vi.useFakeTimers({ toFake: ['Date'], now: at })
  try {
    return new Webhook(secret).verify(message.body, message.headers as Record<string, string>)
  } finally {
    vi.useRealTimers()
  }
}

/** A clock that stands at `start` plus the seconds a test sets. */
function steppedClock(start = new Date('2026-12-08T00:00:00.000Z')) {
  let offsetS = 0
  return {
    now: () => new Date(start.getTime() + offsetS * 1000),
    at: (seconds: number) => {
      offsetS = seconds
      return new Date(start.getTime() + seconds * 1000)
    },
  }
}

describe('subscriptions', () => {
  it('are created with a secret shown once, listed, changed and deleted', async () => {
    const created = await subscribe({
      url: receiverUrl('ok', 'crud'),
      events: ['status.changed'],
      description: 'pager',
    })
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    const one = await (await call(`/webhooks/${created.id}`, { headers: ADMIN })).text()
    const list = await (await call('/webhooks', { headers: ADMIN })).text()
    for (const text of [one, list]) {
      expect(text).not.toContain(created.secret!.slice(6))
      expect(text).not.toContain('secret"')
    }
    expect(JSON.parse(one)).toMatchObject({ events: ['status.changed'], description: 'pager', enabled: true })

    const patched = await adminJson('PATCH', `/webhooks/${created.id}`, { enabled: false, events: ['*'] })
    expect(patched.status).toBe(200)
    expect(await patched.json()).toMatchObject({ enabled: false, events: ['*'], disabledReason: null })
    expect((await adminJson('DELETE', `/webhooks/${created.id}`)).status).toBe(200)
    expect((await call(`/webhooks/${created.id}`, { headers: ADMIN })).status).toBe(404)
  })

  it.each([
    [{ events: ['*'] }, 'url', 'url is required'],
    [{ url: `https://example.com/${'a'.repeat(2048)}` }, 'url', 'at most 2048'],
    [{ url: receiverUrl('ok', 'x'), events: ['backend.exploded'] }, 'events.0', 'events: each must be one of'],
    [{ url: receiverUrl('ok', 'x'), events: [] }, 'events', 'at least one'],
    [{ url: receiverUrl('ok', 'x'), backendIds: ['no-such-backend'] }, 'backendIds', 'no backend no-such-backend'],
    [{ url: receiverUrl('ok', 'x'), format: 'teams' }, 'format', 'standard or slack'],
    [{ url: receiverUrl('ok', 'x'), colour: 'red' }, 'colour', 'unknown field'],
    [{ url: 'not a url' }, 'url', 'absolute https URL'],
  ])('refuse %j with a 422 naming %s, writing nothing', async (body, param, message) => {
    const response = await adminJson('POST', '/webhooks', body)
    expect(response.status).toBe(422)
    const error = (await response.json<{ error: { param: string; message: string } }>()).error
    expect(error.param).toBe(param)
    expect(error.message).toContain(message)
    expect(await (await call('/webhooks', { headers: ADMIN })).json()).toEqual([])
  })

  it('refuse a signed subscription without SECRETS_KEY, naming format; a Slack one needs none', async () => {
    const post = (body: unknown) =>
      fetchWith({ SECRETS_KEY: undefined }, '/webhooks', {
        method: 'POST',
        headers: { ...ADMIN, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
    const refused = await refusal(await post({ url: receiverUrl('ok', 'no-key') }))
    expect(refused).toMatchObject({ status: 422, param: 'format' })
    expect(refused.message).toContain('SECRETS_KEY is not set')
    expect((await post({ url: receiverUrl('ok', 'no-key'), format: 'slack' })).status).toBe(201)
  })

  it('refuse a change to a URL that may not receive, or to an unknown backend, and keep what they had', async () => {
    const created = await subscribe({ url: receiverUrl('ok', 'patch') })
    const toPrivate = await refusal(
      await adminJson('PATCH', `/webhooks/${created.id}`, { url: 'https://10-1-2-3.v4.test/x' }),
    )
    expect(toPrivate).toMatchObject({ status: 422, param: 'url' })
    const toUnknown = await refusal(await adminJson('PATCH', `/webhooks/${created.id}`, { backendIds: ['nope'] }))
    expect(toUnknown).toMatchObject({ status: 422, param: 'backendIds' })
    expect(await subscription(created.id)).toMatchObject({ url: receiverUrl('ok', 'patch'), backendIds: null })
    expect((await adminJson('PATCH', '/webhooks/no-such-id', { enabled: true })).status).toBe(404)
  })

  it('are at most 64', async () => {
    await withDb((db) =>
      db.execute(sql`insert into webhook_subscriptions (id, url, page_origin)
        select 'sub-' || i, 'https://example.com/' || i, 'https://rs.example' from generate_series(1, 64) as i`),
    )
    const response = await adminJson('POST', '/webhooks', { url: receiverUrl('ok', 'one-too-many') })
    expect(response.status).toBe(409)
    expect(await response.json()).toMatchObject({ error: { code: 'too_many_webhooks' } })
  })
})

describe('nothing is sent where it must not go', () => {
  const refusedNames = [
    ['10-0-0-1.v4.test', '10.0.0.1'],
    ['172-16-5-4.v4.test', '172.16.5.4'],
    ['192-168-1-1.v4.test', '192.168.1.1'],
    ['127-0-0-1.v4.test', '127.0.0.1'],
    ['169-254-169-254.v4.test', '169.254.169.254'],
    ['100-64-0-1.v4.test', '100.64.0.1'],
    ['0-0-0-0.v4.test', '0.0.0.0'],
    ['0-0-0-0-0-0-0-1.v6.test', '0:0:0:0:0:0:0:1'],
    ['fe80-0-0-0-0-0-0-1.v6.test', 'fe80:0:0:0:0:0:0:1'],
    ['fd00-0-0-0-0-0-0-1.v6.test', 'fd00:0:0:0:0:0:0:1'],
    ['0-0-0-0-0-ffff-a00-1.v6.test', '0:0:0:0:0:ffff:a00:1'],
  ]

  it.each(refusedNames)('refuses a host that resolves to a private address (%s → %s)', async (host, address) => {
    const refused = await refusal(await adminJson('POST', '/webhooks', { url: `https://${host}/hook` }))
    expect(refused).toMatchObject({ status: 422, param: 'url' })
    expect(refused.message).toContain(`resolves to ${address}, which is not a public address`)
  })

  it.each([
    ['https://10.0.0.1/hook', 'not an IP address'],
    ['https://[::1]/hook', 'not an IP address'],
    ['https://user:pass@public.test/hook', 'user name or password'],
    ['http://public.test/hook', 'https'],
    ['https://nx.test/hook', 'has no address'],
    ['https://servfail.test/hook', 'could not be looked up'],
    ['https://localhost/hook', 'localhost'],
  ])('refuses %s', async (url, message) => {
    const refused = await refusal(await adminJson('POST', '/webhooks', { url }))
    expect(refused).toMatchObject({ status: 422, param: 'url' })
    expect(refused.message).toContain(message)
  })

  it('accepts a public https host', async () => {
    expect((await adminJson('POST', '/webhooks', { url: 'https://hooks.public.test/in' })).status).toBe(201)
  })

  it('refuses http://127.0.0.1 unless WEBHOOK_ALLOW_HOSTS lets it', async () => {
    const init = {
      method: 'POST',
      headers: { ...ADMIN, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: receiverUrl('ok', 'local') }),
    }
    const refused = await refusal(await fetchWith({ WEBHOOK_ALLOW_HOSTS: '' }, '/webhooks', init))
    expect(refused).toMatchObject({ status: 422, param: 'url' })
    expect(refused.message).toContain('https')
    expect((await fetchWith({ WEBHOOK_ALLOW_HOSTS: '127.0.0.1' }, '/webhooks', init)).status).toBe(201)
  })

  it('checks the address again when sending: a name pointed inside after registration gets nothing', async () => {
    const created = await subscribe({ url: 'https://rebind-1.test/hook' })
    await createBackend('a', 'vllm', fake('vllm', 'ok', 'rebind'))
    await cycleWith()
    const [delivery] = await deliveries(created.id)
    expect(delivery!.attempts).toEqual([
      expect.objectContaining({
        result: 'retry',
        httpStatus: null,
        error:
          "url's host rebind-1.test resolves to 10.0.0.7, which is not a public address (private, loopback, link-local or reserved)",
      }),
    ])
  })
})

describe('messages', () => {
  it('are Standard Webhooks that standardwebhooks verifies, carrying the event as /events serves it', async () => {
    const created = await subscribe({ url: receiverUrl('ok', 'sig') })
    await createBackend('a', 'vllm', fake('vllm', 'ok', 'sig'))
    await cycleWith()
    const [message] = await received('sig')
    expect(message!.headers['webhook-id']).toMatch(/^msg_\d+$/)
    const payload = verified(created.secret!, message!) as { type: string; timestamp: string; data: unknown }
    const { events } = await (await call('/events', { headers: READER })).json<{ events: unknown[] }>()
    expect(payload.type).toBe('backend.added')
    expect(payload.data).toEqual(events[0])
    expect(Date.parse(payload.timestamp)).not.toBeNaN()
    expect(() => verified(`whsec_${btoa('another secret of 32 bytes!!!!!!')}`, message!)).toThrow()
  })

  it('carry two signatures for 24 h after a rotation, and only the new one after', async () => {
    const clock = steppedClock(new Date())
    const created = await subscribe({ url: receiverUrl('ok', 'rotate') })
    const rotated = await (await adminJson('POST', `/webhooks/${created.id}/rotate-secret`)).json<Subscription>()
    expect(rotated.secret).not.toBe(created.secret)
    expect(rotated.previousSecretValidUntil).not.toBeNull()
    await createBackend('a', 'vllm', fake('vllm', 'script-ok.500', 'rotate'))
    await cycleWith({ now: clock.now })
    const [during] = await received('rotate')
    expect(during!.headers['webhook-signature']!.split(' ')).toHaveLength(2)
    expect(verified(created.secret!, during!, clock.now())).toMatchObject({ type: 'backend.added' })
    expect(verified(rotated.secret!, during!, clock.now())).toMatchObject({ type: 'backend.added' })

    const later = clock.at(25 * 3600)
    await cycleWith({ now: clock.now })
    const after = (await received('rotate'))[1]!
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1)
    expect(verified(rotated.secret!, after, later)).toMatchObject({ type: 'status.changed' })
    expect(() => verified(created.secret!, after, later)).toThrow()
  })

  it('coalesce a backend’s model events of one cycle into one message; a new backend of 3 000 models is one message', async () => {
    await subscribe({ url: receiverUrl('ok', 'many') })
    await createBackend('big', 'vllm', fake('vllm', 'script-many3.many3000', 'many'))
    await cycleWith()
    await cycleWith()
    const messages = (await received('many')).map(
      (m) => JSON.parse(m.body) as { type: string; data: Record<string, unknown[]> },
    )
    expect(messages.map((m) => m.type)).toEqual(['backend.added', 'backend.models_changed'])
    expect(messages[1]!.data.added).toHaveLength(2997)
    expect(messages[1]!.data.removed).toEqual([])

    await resetAll()
    await subscribe({ url: receiverUrl('ok', 'many-new') })
    await createBackend('big', 'vllm', fake('vllm', 'many-3000', 'many-new'))
    await cycleWith()
    const [only, ...rest] = await received('many-new')
    expect(rest).toEqual([])
    expect((JSON.parse(only!.body) as { data: { models: unknown[] } }).data.models).toHaveLength(3000)
  })

  it('follow the filters: event types and backends', async () => {
    await createBackend('a', 'vllm', fake('vllm', 'script-ok.500', 'fa'))
    const b = await createBackend('b', 'vllm', fake('vllm', 'script-ok.500', 'fb'))
    await subscribe({ url: receiverUrl('ok', 'only-status'), events: ['status.changed'] })
    await subscribe({ url: receiverUrl('ok', 'only-b'), backendIds: [b] })
    await cycleWith()
    await cycleWith()
    const types = async (id: string) =>
      (await received(id)).map((m) => {
        const payload = JSON.parse(m.body) as { type: string; data: { backendName: string } }
        return `${payload.type} ${payload.data.backendName}`
      })
    expect((await types('only-status')).sort()).toEqual(['status.changed a', 'status.changed b'])
    expect(await types('only-b')).toEqual(['backend.added b', 'status.changed b'])
  })

  it('go to Slack as one readable, unsigned line with a link to the backend', async () => {
    const created = await subscribe({ url: receiverUrl('ok', 'slack'), format: 'slack' })
    expect(created.secret).toBeNull()
    expect(created.url).toBe(`${env.FAKE_PROVIDERS_URL}/…`)
    const id = await createBackend('gpu <1>', 'vllm', fake('vllm', 'ok', 'slack'))
    await cycleWith()
    const [message] = await received('slack')
    expect(message!.headers['webhook-signature']).toBeUndefined()
    const { text } = JSON.parse(message!.body) as { text: string }
    expect(text).toMatch(
      new RegExp(`^\\*gpu &lt;1&gt;\\*: added, healthy, 2 models <http://[^/|]+/status/backends/${id}\\|status page>$`),
    )
    expect((await adminJson('POST', `/webhooks/${created.id}/rotate-secret`)).status).toBe(409)
  })

  it('hold no credential, token or signing secret, in bodies, headers, answers, KV or logs', async () => {
    const KEY = 'sk-test-Wh9kQ2mZpX7vLc4TbN8r'
    let secret = ''
    const texts: string[] = []
    const logs = await logsDuring(async () => {
      secret = (await subscribe({ url: receiverUrl('ok', 'scan') })).secret!
      const id = await createBackend('a', 'openai', `${fake('openai', 'bearer-wrong', 'scan')}/v1`)
      expect((await adminJson('POST', '/providers/openai/configure', { apiKey: KEY, backendId: id })).status).toBe(200)
      await cycleWith()
      const [sub] = await (await call('/webhooks', { headers: ADMIN })).json<Subscription[]>()
      await adminJson('POST', `/webhooks/${sub!.id}/test`)
      texts.push(await (await call('/webhooks', { headers: ADMIN })).text())
      texts.push(await (await call(`/webhooks/${sub!.id}/deliveries`, { headers: ADMIN })).text())
      texts.push(await (await call('/status/webhooks', { headers: ADMIN })).text())
    })
    const messages = await received('scan')
    expect(messages.length).toBeGreaterThanOrEqual(2)
    for (const message of messages) texts.push(message.body, JSON.stringify(message.headers))
    const corpus = [...texts, ...(await allKvValues()), ...logs].join('\n')
    for (const needle of [KEY, KEY.slice(-8), secret, secret.slice(6, 20), env.ADMIN_TOKEN, env.READ_TOKEN]) {
      expect(corpus).not.toContain(needle)
    }
  })
})

describe('delivery', () => {
  it('retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, then gives up', async () => {
    const clock = steppedClock()
    const created = await subscribe({ url: receiverUrl('status-503', 'retries') })
    await createBackend('a', 'vllm', fake('vllm', 'ok', 'retries'))
    const due = [0, 5, 305, 2105, 9305, 27305, 63305, 99305]
    for (const seconds of due) {
      // Just before the retry is due nothing is sent; at the time it is.
      if (seconds > 0) {
        clock.at(seconds - 1)
        await cycleWith({ now: clock.now })
      }
      clock.at(seconds)
      await cycleWith({ now: clock.now })
    }
    clock.at(99305 + 86400)
    await cycleWith({ now: clock.now })
    const [delivery] = await deliveries(created.id)
    expect(
      delivery!.attempts.map((a) => (Date.parse(a.at) - clock.now().getTime() + (99305 + 86400) * 1000) / 1000),
    ).toEqual(due)
    expect(delivery!.attempts.map((a) => a.result)).toEqual([...Array<string>(7).fill('retry'), 'failed'])
    expect(delivery).toMatchObject({ status: 'failed', nextAttemptAt: null })
    expect(delivery!.attempts[0]).toMatchObject({ httpStatus: 503, error: 'the receiver answered 503' })
    expect((await fakeCalls('/receiver/')).length).toBe(8)
  })

  it('disables a subscription on a 410, with the reason shown', async () => {
    const created = await subscribe({ url: receiverUrl('status-410', 'gone') })
    await createBackend('a', 'vllm', fake('vllm', 'script-ok.500', 'gone'))
    await cycleWith()
    const gone = await subscription(created.id)
    expect(gone.enabled).toBe(false)
    expect(gone.disabledReason).toContain('the receiver answered 410 Gone')
    await cycleWith()
    // The status change that followed made no delivery for it.
    expect(await deliveries(created.id)).toHaveLength(1)
    expect((await fakeCalls('/receiver/')).length).toBe(1)
  })

  it('disables a subscription whose deliveries failed for 5 days', async () => {
    const clock = steppedClock()
    const created = await subscribe({ url: receiverUrl('status-500', 'five-days') })
    await createBackend('a', 'vllm', fake('vllm', 'ok', 'five-days'))
    await cycleWith({ now: clock.now })
    // The retry due 5 s after the first attempt, made just short of 5 days of failing.
    clock.at(5 * 86400 - 60)
    await cycleWith({ now: clock.now })
    expect((await subscription(created.id)).enabled).toBe(true)
    // The next retry, 5 minutes later: past 5 days.
    clock.at(5 * 86400 + 240)
    await cycleWith({ now: clock.now })
    const disabled = await subscription(created.id)
    expect(disabled.enabled).toBe(false)
    expect(disabled.disabledReason).toBe(
      'every delivery failed for 5 days, since 2026-12-08T00:00:00Z: the receiver answered 500',
    )
    const enabled = await adminJson('PATCH', `/webhooks/${created.id}`, { enabled: true })
    expect(await enabled.json()).toMatchObject({ enabled: true, disabledReason: null })
  })

  it('keeps deliveries as long as events, then prunes both', async () => {
    const clock = steppedClock()
    const created = await subscribe({ url: receiverUrl('ok', 'retention') })
    await createBackend('a', 'vllm', fake('vllm', 'ok', 'retention-a'))
    await cycleWith({ now: clock.now })
    expect(await deliveries(created.id)).toHaveLength(1)
    // Past EVENT_RETENTION_DAYS (30), a cycle that records an event prunes the old ones, deliveries with them.
    clock.at(31 * 86400)
    await createBackend('b', 'vllm', fake('vllm', 'ok', 'retention-b'))
    await cycleWith({ now: clock.now })
    const kept = await deliveries(created.id)
    expect(kept.map((d) => d.type)).toEqual(['backend.added'])
    expect(kept[0]!.seq).toBeGreaterThan(1)
  })

  it('keeps seq order per subscription: a later message waits behind a failed one', async () => {
    const clock = steppedClock()
    await subscribe({ url: receiverUrl('script-500.ok', 'order') })
    await createBackend('a', 'vllm', fake('vllm', 'ok', 'order-a'))
    await cycleWith({ now: clock.now })
    clock.at(1)
    await createBackend('b', 'vllm', fake('vllm', 'ok', 'order-b'))
    await cycleWith({ now: clock.now })
    expect(await received('order')).toEqual([])
    clock.at(5)
    await cycleWith({ now: clock.now })
    const names = (await received('order')).map(
      (m) => (JSON.parse(m.body) as { data: { backendName: string; seq: number } }).data,
    )
    expect(names.map((d) => d.backendName)).toEqual(['a', 'b'])
    expect(names[0]!.seq).toBeLessThan(names[1]!.seq)
  })

  it('sends after a cycle that ended between committing its events and sending them', async () => {
    const created = await subscribe({ url: receiverUrl('ok', 'crash') })
    await createBackend('a', 'vllm', fake('vllm', 'ok', 'crash'))
    // No time left to send once the events are committed: the state a crash right there leaves.
    const cut = await cycleWith({ env: { CYCLE_BUDGET_MS: '30000', WEBHOOK_TIMEOUT_MS: '60000' } })
    expect(cut.webhooks).toMatchObject({ attempts: 0, deferred: true })
    expect(await received('crash')).toEqual([])
    expect(await deliveries(created.id)).toEqual([expect.objectContaining({ status: 'pending', attempts: [] })])
    await cycleWith()
    expect((await received('crash')).map((m) => (JSON.parse(m.body) as { type: string }).type)).toEqual([
      'backend.added',
    ])
    expect(await deliveries(created.id)).toEqual([expect.objectContaining({ status: 'delivered' })])
  })

  it.each([
    ['slow', 'delay-300', 'success', 200, null],
    ['redirecting', 'redirect-same', 'retry', 302, 'the receiver answered 302, a redirect, which is not followed'],
    ['60 MB answering', 'huge-60', 'success', 200, null],
    ['never answering', 'hang', 'retry', null, 'no answer within 1500 ms'],
  ])('a %s receiver does not delay the publish', async (_what, behaviour, result, httpStatus, error) => {
    const created = await subscribe({ url: receiverUrl(behaviour, 'hostile') })
    await createBackend('a', 'vllm', fake('vllm', 'ok', 'hostile'))
    let cycleDone = false
    const cycle = cycleWith().then((summary) => {
      cycleDone = true
      return summary
    })
    await until(async () => (await call('/state', { headers: READER })).status === 200, 'the publish', 10_000)
    if (behaviour === 'hang') expect(cycleDone).toBe(false)
    const summary = await cycle
    expect(summary.snapshotWritten).toBe(true)
    const [delivery] = await deliveries(created.id)
    expect(delivery!.attempts[0]).toMatchObject({ result, httpStatus, error })
    expect((delivery!.attempts[0]!.response ?? '').length).toBeLessThanOrEqual(1024)
  })

  it('sends a test now, lists attempts page by page, and retries one by hand', async () => {
    const created = await subscribe({ url: receiverUrl('script-500.ok', 'manual') })
    const test = await adminJson('POST', `/webhooks/${created.id}/test`)
    expect(test.status).toBe(200)
    const failed = await test.json<Delivery>()
    expect(failed).toMatchObject({ type: 'webhook.test', seq: null, status: 'pending' })
    expect(failed.attempts).toEqual([expect.objectContaining({ result: 'retry', httpStatus: 500 })])
    const retried = await adminJson('POST', `/webhooks/${created.id}/deliveries/${failed.id}/retry`)
    expect(await retried.json()).toMatchObject({
      status: 'delivered',
      attempts: [{ result: 'retry' }, { result: 'success', httpStatus: 200 }],
    })
    const [message] = await received('manual')
    expect(verified(created.secret!, message!)).toMatchObject({
      type: 'webhook.test',
      data: { subscriptionId: created.id },
    })

    await adminJson('POST', `/webhooks/${created.id}/test`)
    const first = await call(`/webhooks/${created.id}/deliveries?limit=1`, { headers: ADMIN })
    const page = await first.json<{ deliveries: Delivery[]; next: string }>()
    expect(page.deliveries).toHaveLength(1)
    const older = await deliveries(created.id, `?limit=1&cursor=${page.next}`)
    expect(older.map((d) => d.id)).toEqual([failed.id])
    expect((await call(`/webhooks/${created.id}/deliveries?limit=0`, { headers: ADMIN })).status).toBe(422)
    expect((await adminJson('POST', `/webhooks/${created.id}/deliveries/999999/retry`)).status).toBe(404)
  })

  it('sends a due retry from a WEBHOOK_QUEUE consumer, without waiting for the next cron', async () => {
    const created = await subscribe({ url: receiverUrl('script-500.ok', 'queued') })
    await createBackend('a', 'vllm', fake('vllm', 'ok', 'queued'))
    await cycleWith({ env: { WEBHOOK_QUEUE: env.WEBHOOK_QUEUE } })
    await until(
      async () => (await deliveries(created.id))[0]?.status === 'delivered',
      'the retry sent by the queue consumer',
      15_000,
    )
    expect((await deliveries(created.id))[0]!.attempts.map((a) => a.result)).toEqual(['retry', 'success'])
  }, 20_000)
})

describe('figures', () => {
  it('/metrics counts attempts by result and the oldest pending delivery; the page lists subscriptions for admins only', async () => {
    const ok = await subscribe({ url: receiverUrl('ok', 'metrics-ok') })
    const failing = await subscribe({ url: receiverUrl('status-500', 'metrics-bad'), description: 'flaky' })
    await createBackend('a', 'vllm', fake('vllm', 'ok', 'metrics'))
    await cycleWith()
    const text = await (await call('/metrics', { headers: READER })).text()
    expect(text).toContain('runtimestate_webhook_deliveries_total{result="success"} 1')
    expect(text).toContain('runtimestate_webhook_deliveries_total{result="retry"} 1')
    expect(text).toMatch(/runtimestate_webhook_oldest_pending_seconds \d+/)

    const page = await call('/status/webhooks', { headers: ADMIN })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain(`data-id="${ok.id}"`)
    expect(html).toContain(`data-id="${failing.id}"`)
    expect(html).toContain('flaky')
    expect(html).toContain('the receiver answered 500')
    const reader = await call('/status/webhooks', { headers: READER, redirect: 'manual' })
    expect(reader.status).toBe(303)
    expect(reader.headers.get('Location')).toBe('/login?next=%2Fstatus%2Fwebhooks')
  })
})
