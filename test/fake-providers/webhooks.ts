import type { FakeProvider } from './fixtures'

/**
 * A webhook receiver and a DNS-over-HTTPS resolver, for the webhook tests.
 *
 * `receiver`: a POST to `/receiver/<behaviour>/<id>/…` that gets through its behaviour (`ok`, a
 * `script-…` step that is `ok`, `delay-<ms>`) is kept and answered 200; `GET
 * /receiver/ok/<id>/__received` lists what that id was sent (method, path, the webhook and
 * content-type headers, body), in arrival order.
 *
 * `dns`: `GET /dns/ok/<id>/dns-query?name=&type=` answers in Cloudflare's JSON dialect:
 * - `a-b-c-d.v4.test` → the A record a.b.c.d;
 * - `x-y-….v6.test` → the AAAA record x:y:… (`0-0-0-0-0-0-0-1.v6.test` is ::1);
 * - `nx.test` → NXDOMAIN; `servfail.test` → status 2;
 * - `rebind-….test` → a public address the first time it is asked, 10.0.0.7 after;
 * - anything else → the public 93.184.215.14.
 */
interface Received {
  /** When it arrived (ms since the epoch, this machine's clock). */
  at: number
  method: string
  path: string
  headers: Record<string, string | undefined>
  body: string
}

const received = new Map<string, Received[]>()
const rebound = new Set<string>()

export function resetWebhookFakes(): void {
  received.clear()
  rebound.clear()
}

export const receiver: FakeProvider = (request) => {
  const id = request.url.split('/')[3] ?? ''
  if (request.path === '/__received') return { status: 200, body: JSON.stringify(received.get(id) ?? []) }
  const list = received.get(id) ?? []
  received.set(id, list)
  list.push({
    at: Date.now(),
    method: request.method,
    path: request.path,
    headers: Object.fromEntries(
      ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-type', 'user-agent'].map((name) => [
        name,
        request.headers[name] as string | undefined,
      ]),
    ),
    body: request.body,
  })
  return { status: 200, body: JSON.stringify({ received: true }) }
}

const PUBLIC = '93.184.215.14'

export const dns: FakeProvider = (request) => {
  const name = (request.query.get('name') ?? '').toLowerCase()
  const type = Number(request.query.get('type'))
  const answer = (records: { type: number; data: string }[], status = 0) => ({
    status: 200,
    contentType: 'application/dns-json',
    body: JSON.stringify({ Status: status, Answer: records.filter((r) => r.type === type) }),
  })
  if (name === 'nx.test') return answer([], 3)
  if (name === 'servfail.test') return answer([], 2)
  const v4 = /^(\d+)-(\d+)-(\d+)-(\d+)\.v4\.test$/.exec(name)
  if (v4) return answer([{ type: 1, data: v4.slice(1).join('.') }])
  const v6 = /^([0-9a-f-]+)\.v6\.test$/.exec(name)
  if (v6) return answer([{ type: 28, data: v6[1]!.replaceAll('-', ':') }])
  if (name.startsWith('rebind-')) {
    const first = !rebound.has(name)
    rebound.add(name)
    return answer([{ type: 1, data: first ? PUBLIC : '10.0.0.7' }])
  }
  return answer([{ type: 1, data: PUBLIC }])
}
