import { describe, expect, it } from 'vitest'
import { ProviderError } from '../errors/provider-error'
import { type SignedTarget, requestJson } from './http'
import { listDefaults } from '../../test/support/providers'
import type { ListContext } from './types'

const LABEL = 'vLLM catalog'

function context(fetch: (request: Request) => Promise<Response> | Response, fields: Partial<ListContext> = {}) {
  const requests: Request[] = []
  const ctx: ListContext = {
    baseUrl: 'http://backend.test',
    credential: undefined,
    signal: new AbortController().signal,
    ...listDefaults(),
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init)
      requests.push(request)
      return fetch(request)
    },
    ...fields,
  }
  return { ctx, requests }
}

/** A body of `chunks` chunks of `size` bytes (endless when chunks is Infinity) that records how far it was read. */
function streamed(chunk: string, chunks: number, delayMs = 0) {
  const state = { pulled: 0, cancelled: false }
  const bytes = new TextEncoder().encode(chunk)
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs))
      if (state.pulled >= chunks) {
        controller.close()
        return
      }
      state.pulled++
      controller.enqueue(bytes)
    },
    cancel() {
      state.cancelled = true
    },
  })
  return { body, state }
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('the request should fail'),
    (error: unknown) => error as ProviderError,
  )

describe('requestJson reads bounded bodies', () => {
  it('fails past the byte cap and stops reading there', async () => {
    const { body, state } = streamed('x'.repeat(1024), Number.POSITIVE_INFINITY)
    const { ctx } = context(() => new Response(body), { maxResponseBytes: 64 * 1024 })
    const error = await failure(requestJson(ctx, 'http://backend.test/v1/models', { label: LABEL }))
    expect(error).toMatchObject({
      kind: 'bad_payload',
      message: 'vLLM catalog response larger than 64 KiB (MAX_RESPONSE_BYTES)',
    })
    expect(state.pulled).toBeLessThanOrEqual(66)
    expect(state.cancelled).toBe(true)
  })

  it('refuses a declared Content-Length past the cap without reading', async () => {
    const { body, state } = streamed('{}', 1)
    const { ctx } = context(() => new Response(body, { headers: { 'Content-Length': String(9 * 1024 * 1024) } }))
    const error = await failure(requestJson(ctx, 'http://backend.test/v1/models', { label: LABEL }))
    expect(error.message).toBe('vLLM catalog response larger than 8 MiB (MAX_RESPONSE_BYTES)')
    // At most what the stream queued on its own before anyone read.
    expect(state.pulled).toBeLessThanOrEqual(1)
    expect(state.cancelled).toBe(true)
  })

  it('gives up on a dripping body when the probe deadline aborts, and cancels it', async () => {
    const { body, state } = streamed(' ', Number.POSITIVE_INFINITY, 5)
    const controller = new AbortController()
    const { ctx } = context(() => new Response(body), { signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    const error = await failure(requestJson(ctx, 'http://backend.test/v1/models', { label: LABEL }))
    expect(error).toMatchObject({ kind: 'timeout', message: 'vLLM catalog did not answer before the probe timeout' })
    expect(state.cancelled).toBe(true)
  })

  it('reads only the start of a huge error body', async () => {
    const { body, state } = streamed('e'.repeat(1024), 10_000)
    const { ctx } = context(() => new Response(body, { status: 500 }))
    const error = await failure(requestJson(ctx, 'http://backend.test/v1/models', { label: LABEL }))
    expect(error.kind).toBe('bad_status')
    expect(error.message).toBe(`vLLM catalog returned 500: ${'e'.repeat(300)}…`)
    expect(state.pulled).toBeLessThanOrEqual(66)
  })
})

describe('requestJson error text', () => {
  it("shows the provider's own message on one line, never a pretty-printed body", async () => {
    const pretty = JSON.stringify({ error: { message: 'Invalid key\n  provided', code: 'invalid_api_key' } }, null, 2)
    const { ctx } = context(() => new Response(pretty, { status: 401 }))
    expect(await failure(requestJson(ctx, 'http://backend.test/v1/models', { label: LABEL }))).toMatchObject({
      kind: 'auth',
      message: 'vLLM catalog returned 401: Invalid key provided (invalid_api_key)',
    })
  })

  it('says an HTML page came, never what it says', async () => {
    const page = '<!DOCTYPE html><html><body>Secret internal proxy page</body></html>'
    const ok = context(() => new Response(page, { headers: { 'Content-Type': 'text/html; charset=utf-8' } }))
    expect((await failure(requestJson(ok.ctx, 'http://backend.test/v1/models', { label: LABEL }))).message).toBe(
      'decode vLLM catalog response: the server answered an HTML page (text/html), not JSON',
    )
    const bad = context(() => new Response(page, { status: 502, headers: { 'Content-Type': 'text/html' } }))
    expect((await failure(requestJson(bad.ctx, 'http://backend.test/v1/models', { label: LABEL }))).message).toBe(
      'vLLM catalog returned 502: an HTML page (text/html)',
    )
  })
})

describe('requestJson redirects', () => {
  const redirect = (location: string, status = 302) => new Response(null, { status, headers: { Location: location } })

  it('follows a redirect on the same origin, keeping the headers', async () => {
    const { ctx, requests } = context((request) =>
      request.url.endsWith('/old') ? redirect('/v1/models') : Response.json({ data: [] }),
    )
    await requestJson(ctx, 'http://backend.test/old', { label: LABEL, headers: { Authorization: 'Bearer k' } })
    expect(requests.map((r) => [r.url, r.headers.get('Authorization'), r.redirect])).toEqual([
      ['http://backend.test/old', 'Bearer k', 'manual'],
      ['http://backend.test/v1/models', 'Bearer k', 'manual'],
    ])
  })

  it('never follows a redirect to another origin', async () => {
    const { ctx, requests } = context(() => redirect('https://elsewhere.test:8443/v1/models'))
    const error = await failure(requestJson(ctx, 'http://backend.test/v1/models', { label: LABEL }))
    expect(error).toMatchObject({
      kind: 'bad_status',
      status: 302,
      message:
        'vLLM catalog returned 302 redirecting to another origin: not followed ' +
        '(a backend and its credential stay on http://backend.test)',
    })
    expect(requests).toHaveLength(1)
  })

  it('stops after a few redirects', async () => {
    const { ctx, requests } = context((request) => redirect(`${new URL(request.url).pathname}x`, 307))
    const error = await failure(requestJson(ctx, 'http://backend.test/a', { label: LABEL }))
    expect(error).toMatchObject({ kind: 'bad_status', message: 'vLLM catalog redirected more than 3 times' })
    expect(requests).toHaveLength(4)
  })

  it('signs each hop of a signed request again', async () => {
    const signed: string[] = []
    const target: SignedTarget = {
      url: 'http://backend.test/foundation-models',
      sign: async (url) => {
        signed.push(url)
        return new Request(url, { headers: { Authorization: `signature of ${url}` } })
      },
    }
    const { ctx, requests } = context((request) =>
      request.url === target.url ? redirect('/v2/foundation-models', 308) : Response.json({}),
    )
    await requestJson(ctx, target, { label: LABEL })
    expect(signed).toEqual(['http://backend.test/foundation-models', 'http://backend.test/v2/foundation-models'])
    expect(requests[1]!.headers.get('Authorization')).toBe('signature of http://backend.test/v2/foundation-models')
  })
})

describe('requestJson network failures, as workerd reports them', () => {
  const throwing = (message: string) => () => Promise.reject(new Error(message))

  it.each([
    [
      'http://does-not-exist.invalid/v1/models',
      'internal error; reference = abc123',
      'unreachable: DNS lookup failed for does-not-exist.invalid',
    ],
    [
      'https://127.0.0.1:8443/v1/models',
      'internal error; reference = abc123',
      'unreachable: TLS handshake failed with 127.0.0.1:8443',
    ],
    [
      'https://does-not-exist.invalid/v1/models',
      'internal error; reference = abc123',
      'unreachable: DNS lookup or TLS handshake failed for does-not-exist.invalid (the runtime does not say which)',
    ],
    [
      'http://127.0.0.1:1/v1/models',
      'Network connection lost.',
      'unreachable: connection refused by 127.0.0.1:1, or closed before it answered',
    ],
    ['http://127.0.0.1:1/v1/models', 'something new', 'unreachable: something new'],
  ])('%s: %s', async (url, thrown, described) => {
    const { ctx } = context(throwing(thrown))
    expect(await failure(requestJson(ctx, url, { label: LABEL }))).toMatchObject({
      kind: 'network',
      message: `vLLM catalog ${described}`,
    })
  })

  it('names a reset in the middle of the body', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"data":['))
        controller.error(new Error('Network connection lost.'))
      },
    })
    const { ctx } = context(() => new Response(body))
    expect(await failure(requestJson(ctx, 'http://10.0.0.5:8000/v1/models', { label: LABEL }))).toMatchObject({
      kind: 'network',
      message: 'vLLM catalog answer cut off: connection reset by 10.0.0.5:8000 in the middle of the body',
    })
  })
})
