import { readFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Local stand-ins for provider listing APIs: they replay the recorded fixtures and misbehave on
 * demand. A backend's base URL picks both: `http://127.0.0.1:<port>/<provider>/<behaviour>/<id>`,
 * then the provider's own path (`/api/tags`, `/v1/models`, …).
 *
 * provider:  ollama | ollama-caps (Ollama ≥ 0.30 tags) | ollama-partial (/api/show 404s for gemma3)
 *            | vllm | openai | openai-paged (3 per page)
 * behaviour: ok | delay-<ms> | hang | status-<code> | html | truncated | bearer-<token> (401 unless sent)
 * id:        anything; makes base URLs distinct and lets tests count one backend's calls.
 *
 * `GET /__calls` lists the requests received (method, path, whether auth was sent);
 * `GET /__stats` says how many were in flight at most at once; `POST /__reset` forgets both.
 */
const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/providers')
const fixture = (name: string) => readFileSync(path.join(fixtures, name), 'utf8')

const OLLAMA_SHOW: Record<string, string> = {
  'qwen3:8b': 'ollama/show-qwen3.json',
  'gemma3:4b': 'ollama/show-gemma3.json',
  'llama3.2:latest': 'ollama/show-llama3.2.json',
  'nomic-embed-text:latest': 'ollama/show-nomic-embed-text.json',
}

interface Call {
  method: string
  path: string
  authorized: boolean
}

interface Reply {
  status: number
  body: string
  contentType?: string
}

function replay(provider: string, rest: string, body: string): Reply {
  const json = (file: string, status = 200): Reply => ({ status, body: fixture(file) })
  const [pathname, query = ''] = rest.split('?')
  switch (`${provider} ${pathname}`) {
    case 'ollama /api/tags':
    case 'ollama-partial /api/tags':
      return json('ollama/tags.json')
    case 'ollama-caps /api/tags':
      return json('ollama/tags-with-capabilities.json')
    case 'ollama /api/show':
    case 'ollama-partial /api/show': {
      const model = (JSON.parse(body || '{}') as { model?: string }).model ?? ''
      const file = provider === 'ollama-partial' && model === 'gemma3:4b' ? undefined : OLLAMA_SHOW[model]
      return file ? json(file) : { status: 404, body: JSON.stringify({ error: `model '${model}' not found` }) }
    }
    case 'vllm /v1/models':
      return json('vllm/models.json')
    case 'openai /v1/models':
      return json('openai/models.json')
    case 'openai-paged /v1/models': {
      const all = (JSON.parse(fixture('openai/models.json')) as { data: { id: string }[] }).data
      const after = new URLSearchParams(query).get('after')
      const start = after ? all.findIndex((m) => m.id === after) + 1 : 0
      const data = all.slice(start, start + 3)
      const hasMore = start + 3 < all.length
      return { status: 200, body: JSON.stringify({ object: 'list', data, has_more: hasMore, last_id: data.at(-1)?.id }) }
    }
    default:
      return { status: 404, body: JSON.stringify({ error: `fake ${provider} has no ${pathname}` }) }
  }
}

function errorFixture(provider: string, status: number): string {
  const candidates = [`${provider.replace(/-.*/, '')}/error-${status}.json`]
  for (const file of candidates) {
    try {
      return fixture(file)
    } catch {
      // No recorded body for this status: use a generic one.
    }
  }
  return JSON.stringify({ error: `fake error ${status}` })
}

export async function startFakeProviders(port = 0) {
  const calls: Call[] = []
  const hanging = new Set<http.ServerResponse>()
  let inFlight = 0
  let maxInFlight = 0
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', async () => {
      const url = req.url ?? '/'
      if (url === '/__calls') return send(res, { status: 200, body: JSON.stringify(calls) })
      if (url === '/__stats') return send(res, { status: 200, body: JSON.stringify({ maxInFlight }) })
      if (url === '/__reset') {
        calls.length = 0
        maxInFlight = 0
        return send(res, { status: 200, body: '{}' })
      }
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      res.on('close', () => inFlight--)
      const [, provider = '', behaviour = '', , ...restParts] = url.split('/')
      const rest = `/${restParts.join('/')}`
      const authorization = req.headers.authorization
      calls.push({ method: req.method ?? 'GET', path: url, authorized: Boolean(authorization) })

      const [mode, arg = ''] = behaviour.split(/-(.*)/s)
      if (mode === 'hang') {
        hanging.add(res)
        res.on('close', () => hanging.delete(res))
        return
      }
      if (mode === 'delay') await new Promise((r) => setTimeout(r, Number(arg)))
      if (mode === 'status') return send(res, { status: Number(arg), body: errorFixture(provider, Number(arg)) })
      if (mode === 'html') {
        return send(res, { status: 200, body: '<html><body>Welcome to nginx!</body></html>', contentType: 'text/html' })
      }
      if (mode === 'bearer' && authorization !== `Bearer ${arg}`) {
        return send(res, { status: 401, body: errorFixture(provider, 401) })
      }
      if (provider.startsWith('openai') && !authorization) {
        return send(res, { status: 401, body: errorFixture('openai', 401) })
      }
      const reply = replay(provider, rest, body)
      if (mode === 'truncated') reply.body = reply.body.slice(0, Math.floor(reply.body.length / 2))
      send(res, reply)
    })
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
  res.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'application/json' })
  res.end(reply.body)
}
