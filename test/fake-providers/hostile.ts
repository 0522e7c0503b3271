import type http from 'node:http'
import { randomBytes } from 'node:crypto'
import type { FakeProvider, Reply } from './fixtures'

/**
 * Behaviours of a backend that is broken or hostile rather than merely down. Each answers the
 * request itself (streams, stalls, resets); `undefined` means the mode is not one of these.
 *
 * huge-<MiB>        a valid OpenAI/vLLM list of about that size, generated while it streams
 * many-<n>[:opt]    a valid OpenAI/vLLM list of n models, ids in descending order
 *                   (`fake-model-0000050` … `fake-model-0000001`, so many-49 lists a subset of
 *                   many-50), each with `max_model_len` 4096. Options, `:`-separated, combine:
 *                     :ctx=<tokens>  every model's `max_model_len`; ids of a ctx other than 4096
 *                                    are `fake-ctx<tokens>-model-<i>`, different models
 *                     :delay=<ms>    wait that long before answering
 *                   e.g. `many-50:ctx=131072:delay=200`; an unknown or malformed option answers 400
 * junk-<MiB>        that many bytes of something that is not JSON
 * stall             headers and the start of a list, then nothing
 * drip              headers, then a few bytes every 200 ms, forever
 * reset             headers and part of a list, then the socket is destroyed
 * drop              the socket is destroyed before any answer
 * redirect-same     302 to the same path under behaviour `ok` on this origin
 * redirect-other    302 to the same on another origin (`localhost` instead of `127.0.0.1`)
 * redirect-loop     302 to itself, forever
 * echo-<format>     401 (or 200) quoting the key it was sent: see ECHOES
 * requestid         500 whose message carries a fresh request id every time
 */
export function hostileBehaviour(
  mode: string,
  arg: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  hanging: Set<http.ServerResponse>,
): Promise<void> | Reply | undefined {
  const keep = () => {
    hanging.add(res)
    res.on('close', () => hanging.delete(res))
  }
  switch (mode) {
    case 'huge':
      return pump(res, modelList({ bytes: Number(arg) * 1024 * 1024 }))
    case 'many': {
      const many = parseMany(arg)
      if (typeof many === 'string') return { status: 400, body: JSON.stringify({ error: many }) }
      const list = () => pump(res, modelList({ count: many.count, contextLength: many.contextLength }))
      if (many.delayMs === 0) return list()
      // A client that left during the wait gets nothing written.
      return new Promise<void>((resolve) => setTimeout(resolve, many.delayMs)).then(() =>
        res.destroyed ? undefined : list(),
      )
    }
    case 'junk':
      return pump(res, junk(Number(arg) * 1024 * 1024))
    case 'stall':
      keep()
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.write('{"object":"list","data":[')
      return Promise.resolve()
    case 'drip': {
      keep()
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.write('{"data":[')
      const timer = setInterval(() => res.write('   '), 200)
      res.on('close', () => clearInterval(timer))
      return Promise.resolve()
    }
    case 'reset':
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.write('{"object":"list","data":[{"id":"half')
      setTimeout(() => req.socket.destroy(), 50)
      return Promise.resolve()
    case 'drop':
      req.socket.destroy()
      return Promise.resolve()
    case 'redirect':
      return redirect(arg, req)
    case 'echo':
      return echo(arg, sentKey(req))
    case 'requestid':
      return {
        status: 500,
        body: JSON.stringify({
          error: {
            message:
              'The server had an error while processing your request. Sorry about that! ' +
              `(Please include the request ID req_${randomBytes(12).toString('hex')} in your message.)`,
            type: 'server_error',
          },
        }),
      }
    default:
      return undefined
  }
}

/** OpenAI's list shape, answered forever with has_more and the same last_id. */
export const openaiSameCursor: FakeProvider = () => ({
  status: 200,
  body: JSON.stringify({ object: 'list', data: [{ id: 'gpt-loop' }], has_more: true, last_id: 'gpt-loop' }),
})

function redirect(arg: string, req: http.IncomingMessage): Reply {
  const url = req.url ?? '/'
  const [, provider, behaviour, id, ...rest] = url.split('/')
  const okPath = `/${provider}/ok/${id}/${rest.join('/')}`
  const port = req.socket.localPort
  const location =
    arg === 'same'
      ? okPath
      : arg === 'other'
        ? `http://localhost:${port}${okPath}`
        : `/${provider}/${behaviour}/${id}/${rest.join('/')}`
  return { status: 302, body: '', headers: { Location: location } }
}

/** The key as the client sent it, in whichever header the provider uses. */
function sentKey(req: http.IncomingMessage): string {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
  const header = req.headers['x-api-key'] ?? req.headers['x-goog-api-key']
  return bearer ?? (typeof header === 'string' ? header : '')
}

const openaiError = (status: number, message: string): Reply => ({
  status,
  body: JSON.stringify({ error: { message, type: 'invalid_request_error', code: 'invalid_api_key' } }),
})

/** The ways providers (and broken proxies) quote a key back: in full, masked, cut short. */
const ECHOES: Record<string, (key: string) => Reply> = {
  full: (key) => openaiError(401, `Incorrect API key provided: ${key}.`),
  stars: (key) => openaiError(401, `Incorrect API key provided: ${key.split('-', 2).join('-')}-****${key.slice(-4)}.`),
  dots: (key) => openaiError(401, `Incorrect API key provided: ${key.slice(0, 3)}...${key.slice(-4)}.`),
  ellipsis: (key) => openaiError(401, `Incorrect API key provided: ${key.slice(0, 7)}…${key.slice(-4)}.`),
  last4: (key) => openaiError(401, `The key ending in …${key.slice(-4)} was revoked.`),
  prefix: (key) => openaiError(403, `Key ${key.slice(0, 10)} has no access to this project.`),
  pretty: (key) => ({
    status: 401,
    body: JSON.stringify({ error: { message: `Invalid key ${key}`, code: 'invalid_api_key' } }, null, 2),
  }),
  header: (key) => ({
    status: 400,
    body: `Bad Request: malformed header "Authorization: Bearer ${key}"`,
    contentType: 'text/plain',
  }),
  html: (key) => ({
    status: 401,
    body: `<html><body><h1>401</h1><p>Key ${key} refused</p></body></html>`,
    contentType: 'text/html',
  }),
  // A listing that names the key as one of its models.
  model: (key) => ({
    status: 200,
    body: JSON.stringify({
      object: 'list',
      data: [
        { id: key, object: 'model' },
        { id: 'fake-safe-model', object: 'model' },
      ],
    }),
  }),
  // The same, masked as providers print keys, or a long run of it inside an id.
  'model-masked': (key) => ({
    status: 200,
    body: JSON.stringify({
      object: 'list',
      data: [
        { id: `${key.slice(0, 7)}...${key.slice(-4)}`, object: 'model' },
        { id: `${key.split('-', 2).join('-')}-****${key.slice(-4)}`, object: 'model' },
        { id: `echo-${key.slice(8, 24)}`, object: 'model' },
        { id: 'fake-safe-model', object: 'model' },
      ],
    }),
  }),
  // The key in lower case, as a proxy that folds headers would quote it.
  lower: (key) => openaiError(401, `Incorrect API key provided: ${key.toLowerCase()}.`),
  // A redirect to a host named after the key (URL parsing lower-cases it).
  'redirect-key': (key) => ({ status: 302, body: '', headers: { Location: `http://${key}.evil.example/v1/models` } }),
  // JSON.parse's message quotes the start of the body.
  body200: (key) => ({ status: 200, body: `${key} accepted; models follow`, contentType: 'application/json' }),
}

function echo(format: string, key: string): Reply {
  const make = ECHOES[format]
  return make ? make(key) : { status: 400, body: JSON.stringify({ error: `no echo format ${format}` }) }
}

/** Writes what `next` yields, waiting whenever the socket is full, until it yields null or the client leaves. */
async function pump(res: http.ServerResponse, next: () => string | null): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/json' })
  while (!res.destroyed) {
    const chunk = next()
    if (chunk === null) {
      res.end()
      return
    }
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const go = () => {
          res.off('drain', go)
          res.off('close', go)
          resolve()
        }
        res.on('drain', go)
        res.on('close', go)
      })
    }
  }
}

/** The `max_model_len` of every fake model unless `:ctx=` says otherwise. */
const DEFAULT_CONTEXT = 4096

/** `<n>[:ctx=<tokens>][:delay=<ms>]` (the argument of `many-`), or what is wrong with it. */
function parseMany(arg: string): { count: number; contextLength: number; delayMs: number } | string {
  const [countText = '', ...options] = arg.split(':')
  const count = Number(countText)
  if (countText === '' || !Number.isInteger(count) || count < 0) return `many-${arg}: expected many-<n>`
  const parsed = { count, contextLength: DEFAULT_CONTEXT, delayMs: 0 }
  for (const option of options) {
    const match = /^(ctx|delay)=(\d+)$/.exec(option)
    if (!match) return `many-${arg}: unknown option "${option}" (expected ctx=<tokens> or delay=<ms>)`
    if (match[1] === 'ctx') parsed.contextLength = Number(match[2])
    else parsed.delayMs = Number(match[2])
  }
  return parsed
}

/**
 * `{"object":"list","data":[…]}` in ~64 KiB chunks, up to `count` models or about `bytes`; every
 * model's `max_model_len` is `contextLength` (ids of a non-default one name it: other models).
 */
function modelList(limit: { count?: number; bytes?: number; contextLength?: number }): () => string | null {
  const count = limit.count ?? Number.POSITIVE_INFINITY
  const bytes = limit.bytes ?? Number.POSITIVE_INFINITY
  const contextLength = limit.contextLength ?? DEFAULT_CONTEXT
  const prefix = contextLength === DEFAULT_CONTEXT ? 'fake-model-' : `fake-ctx${contextLength}-model-`
  let i = 0
  let written = 0
  let done = false
  return () => {
    if (done) return null
    let chunk = i === 0 ? '{"object":"list","data":[' : ''
    while (chunk.length < 65_536 && i < count && written + chunk.length < bytes) {
      const id = `${prefix}${String(Number.isFinite(count) ? count - i : i).padStart(7, '0')}`
      chunk += `${i > 0 ? ',' : ''}{"id":"${id}","object":"model","created":0,"owned_by":"fake","max_model_len":${contextLength}}`
      i++
    }
    written += chunk.length
    if (i >= count || written >= bytes) {
      done = true
      chunk += ']}'
    }
    return chunk
  }
}

function junk(bytes: number): () => string | null {
  let written = 0
  const block = 'not json at all; '.repeat(4096)
  return () => {
    if (written >= bytes) return null
    written += block.length
    return block
  }
}
