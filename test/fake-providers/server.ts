import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Reply, errorFixture } from './fixtures'
import { hostileBehaviour } from './hostile'
import { fakeProviders } from './registry'
import { resetWebhookFakes } from './webhooks'

/**
 * Local stand-ins for provider listing APIs: they replay the recorded fixtures and misbehave on
 * demand. A backend's base URL picks both: `http://127.0.0.1:<port>/<provider>/<behaviour>/<id>`,
 * then the provider's own path (`/api/tags`, `/v1/models`, …).
 *
 * provider:  a key of ./registry.ts (ollama, ollama-caps, vllm, openai, openai-paged, …)
 * behaviour: ok | delay-<ms> | hang | status-<code> | html | truncated | bearer-<token> (401 unless sent),
 *            script-<step>.<step>… (one step per request, see scriptStep),
 *            or a hostile one (huge-<MiB>, many-<n>, junk-<MiB>, stall, drip, reset, drop, redirect-<same|other|loop>,
 *            echo-<format>, requestid): see ./hostile.ts. `many-<n>` takes `:`-separated options that
 *            combine: `:ctx=<tokens>` (every model's max_model_len, default 4096; other ids) and
 *            `:delay=<ms>` (wait before answering), e.g. `many-50:ctx=131072:delay=200`
 * id:        anything; makes base URLs distinct and lets tests count one backend's calls.
 *
 * `GET /__calls` lists the requests received (method, path, whether auth was sent);
 * `GET /__stats` says how many were in flight at most at once; `POST /__reset` forgets both.
 */
interface Call {
  method: string
  path: string
  authorized: boolean
}

export async function startFakeProviders(port = 0) {
  const calls: Call[] = []
  const hanging = new Set<http.ServerResponse>()
  const scriptCalls = new Map<string, number>()
  let inFlight = 0
  let maxInFlight = 0
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    const answer = async () => {
      const url = req.url ?? '/'
      if (url === '/__calls') {
        send(res, { status: 200, body: JSON.stringify(calls) })
        return
      }
      if (url === '/__stats') {
        send(res, { status: 200, body: JSON.stringify({ maxInFlight }) })
        return
      }
      if (url === '/__reset') {
        calls.length = 0
        scriptCalls.clear()
        resetWebhookFakes()
        maxInFlight = 0
        send(res, { status: 200, body: '{}' })
        return
      }
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      res.on('close', () => inFlight--)
      const [, provider = '', behaviour = '', , ...rest] = url.split('/')
      const [pathname = '', query = ''] = `/${rest.join('/')}`.split('?')
      const authorization = req.headers.authorization
      const headerAuth = Boolean(authorization || req.headers['x-api-key'] || req.headers['x-goog-api-key'])
      calls.push({ method: req.method ?? 'GET', path: url, authorized: headerAuth })
      const errorDir = provider.split('-')[0]!

      const [scriptMode, scriptArg = ''] = behaviour.split(/-(.*)/s)
      const scripted =
        scriptMode === 'script'
          ? scriptStep(scriptArg, scriptCalls, `${provider}/${behaviour}/${url.split('/')[3]}${pathname}`)
          : undefined
      if (scripted?.retryAfterS !== undefined) res.setHeader('Retry-After', String(scripted.retryAfterS))
      const [mode, arg] = scripted ? [scripted.mode, scripted.arg] : [scriptMode, scriptArg]
      if (mode === 'hang') {
        hanging.add(res)
        res.on('close', () => hanging.delete(res))
        return
      }
      const hostile = hostileBehaviour(mode ?? '', arg, req, res, hanging)
      if (hostile instanceof Promise) return hostile
      if (hostile) {
        send(res, hostile)
        return
      }
      if (mode === 'delay') await new Promise((r) => setTimeout(r, Number(arg)))
      if (mode === 'status') {
        send(res, { status: Number(arg), body: errorFixture(errorDir, Number(arg)) })
        return
      }
      if (mode === 'html') {
        send(res, { status: 200, body: '<html><body>Welcome to nginx!</body></html>', contentType: 'text/html' })
        return
      }
      if (mode === 'bearer' && authorization !== `Bearer ${arg}`) {
        send(res, { status: 401, body: errorFixture(errorDir, 401) })
        return
      }
      const fakeProvider = fakeProviders[provider]
      if (!fakeProvider) {
        send(res, { status: 404, body: JSON.stringify({ error: `no fake provider ${provider}` }) })
        return
      }
      try {
        const reply = await fakeProvider({
          method: req.method ?? 'GET',
          path: pathname,
          url,
          query: new URLSearchParams(query),
          headers: req.headers,
          body,
        })
        if (mode === 'truncated') reply.body = reply.body.slice(0, Math.floor(reply.body.length / 2))
        send(res, reply)
      } catch (error) {
        send(res, { status: 500, body: JSON.stringify({ error: `fake ${provider} failed: ${String(error)}` }) })
      }
    }
    req.on('end', () => void answer())
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const address = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function send(res: http.ServerResponse, reply: Reply) {
  res.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'application/json', ...reply.headers })
  res.end(reply.body)
}

/**
 * `script-<step>.<step>…`: the n-th request to the same backend and path answers the n-th step (the
 * last one repeats), so a test can make a backend fail, then recover, across cycles. A step is
 * `ok`; `d<ms>`, ok after a delay; an HTTP status (`500`), optionally with a Retry-After in seconds
 * (`429r30`); `many<n>`, `many<n>c<context>` for a list of n models (of that context); or
 * `junk<MiB>`, `huge<MiB>` as the hostile behaviours of those names.
 */
function scriptStep(
  script: string,
  counts: Map<string, number>,
  key: string,
): { mode: string; arg: string; retryAfterS?: number } {
  const steps = script.split('.')
  const n = counts.get(key) ?? 0
  counts.set(key, n + 1)
  const step = steps[Math.min(n, steps.length - 1)] ?? 'ok'
  const status = /^(\d{3})(?:r(\d+))?$/.exec(step)
  if (status) {
    return { mode: 'status', arg: status[1]!, ...(status[2] ? { retryAfterS: Number(status[2]) } : {}) }
  }
  const many = /^many(\d+)(?:c(\d+))?$/.exec(step)
  if (many) return { mode: 'many', arg: many[2] ? `${many[1]}:ctx=${many[2]}` : many[1]! }
  const hostile = /^(junk|huge)(\d+)$/.exec(step)
  if (hostile) return { mode: hostile[1]!, arg: hostile[2]! }
  const delay = /^d(\d+)$/.exec(step)
  if (delay) return { mode: 'delay', arg: delay[1]! }
  return { mode: step, arg: '' }
}
