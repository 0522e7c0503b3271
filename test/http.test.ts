import { sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { DOCS_SCRIPT_PATH } from '../src/http/docs'
import { app } from '../src/http/app'
import {
  ADMIN,
  READER,
  adminJson,
  call,
  createBackend,
  fake,
  fetchWith,
  resetAll,
  runScheduled,
  withDb,
} from './helpers'

beforeEach(resetAll)

describe('read routes', () => {
  it('answers /healthz without credentials or database', async () => {
    const response = await fetchWith({ DATABASE_URL: undefined }, '/healthz')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true })
  })

  it('serves [] before any cycle, with an ETag that revalidates to 304', async () => {
    const response = await call('/state', { headers: READER })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual([])
    const etag = response.headers.get('ETag')!
    expect(etag).toMatch(/^".+"$/)
    const again = await call('/state', { headers: { ...READER, 'If-None-Match': etag } })
    expect(again.status).toBe(304)
  })

  it('changes the ETag when a cycle changes the snapshot', async () => {
    const before = (await call('/state', { headers: READER })).headers.get('ETag')!
    const id = await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'e1'))
    await runScheduled()
    const after = await call('/state', { headers: { ...READER, 'If-None-Match': before } })
    expect(after.status).toBe(200)
    expect(after.headers.get('ETag')).not.toBe(before)
    const one = await call(`/state/${id}`, { headers: READER })
    const listed = (await (await call('/backends', { headers: ADMIN })).json<unknown[]>())[0]
    expect(await one.json()).toMatchObject({ id, name: 'vllm', status: 'healthy', backend: listed })
    const etag = one.headers.get('ETag')!
    expect((await call(`/state/${id}`, { headers: { ...READER, 'If-None-Match': etag } })).status).toBe(304)
  })

  it('answers 404 for a backend with no state', async () => {
    const response = await call('/state/nope', { headers: READER })
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: { code: 'backend_not_found', param: 'backendId' } })
  })

  it('needs a read or admin token unless reads are public', async () => {
    expect((await call('/state')).status).toBe(401)
    expect((await call('/state', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(403)
    expect((await call('/state', { headers: ADMIN })).status).toBe(200)
    expect((await fetchWith({ PUBLIC_READ: 'true' }, '/state')).status).toBe(200)
  })

  it('reports a bad setting by name', async () => {
    const response = await fetchWith({ PROBE_TIMEOUT_MS: 'soon' }, '/state', { headers: READER })
    expect(response.status).toBe(500)
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_setting' } })
  })

  it('sends CORS headers only for the configured origins', async () => {
    const origin = { Origin: 'https://app.example' }
    expect(
      (await call('/state', { headers: { ...READER, ...origin } })).headers.get('Access-Control-Allow-Origin'),
    ).toBeNull()
    const allowed = await fetchWith({ CORS_ORIGINS: 'https://app.example' }, '/state', {
      headers: { ...READER, ...origin },
    })
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe('https://app.example')
    expect(allowed.headers.get('Access-Control-Expose-Headers')).toBe('ETag')
    const preflight = await fetchWith({ CORS_ORIGINS: 'https://app.example' }, '/state', {
      method: 'OPTIONS',
      headers: { ...origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('Access-Control-Allow-Headers')).toContain('Authorization')
  })

  it('answers unknown routes with the JSON error shape', async () => {
    const response = await call('/nope')
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({
      error: { message: 'no route GET /nope', type: 'not_found_error', code: 'route_not_found' },
    })
  })
})

describe('admin auth', () => {
  it('refuses without, with a wrong, and with a read token', async () => {
    expect((await call('/backends')).status).toBe(401)
    expect((await call('/backends', { headers: { Authorization: 'Bearer nope' } })).status).toBe(403)
    expect((await call('/backends', { headers: READER })).status).toBe(403)
  })

  it('says how to set a token when none is configured', async () => {
    const response = await fetchWith({ ADMIN_TOKEN: undefined }, '/backends', { headers: ADMIN })
    expect(response.status).toBe(503)
    expect((await response.json<{ error: { message: string } }>()).error.message).toMatch(/ADMIN_TOKEN is not set/)
  })
})

describe('POST /setup/refresh', () => {
  it('runs a cycle and returns its summary', async () => {
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'r1'))
    const response = await adminJson('POST', '/setup/refresh')
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      outcome: 'ok',
      trigger: 'manual',
      backends: 1,
      byStatus: { healthy: 1 },
      snapshotWritten: true,
    })
  })

  it('answers 409 while another cycle holds the lease', async () => {
    await withDb((db) =>
      db.execute(
        sql`insert into reconcile_lease (name, run_id, expires_at) values ('reconcile', 'x', now() + interval '1 minute')`,
      ),
    )
    const response = await adminJson('POST', '/setup/refresh')
    expect(response.status).toBe(409)
    expect(await response.json()).toMatchObject({ error: { code: 'cycle_running' }, run: { outcome: 'skipped' } })
  })

  it('answers 503 with the reason when the database is down', async () => {
    const response = await fetchWith({ NEON_WS_PROXY: '127.0.0.1:1' }, '/setup/refresh', {
      method: 'POST',
      headers: ADMIN,
    })
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ error: { code: 'cycle_failed' }, run: { outcome: 'failed' } })
  })
})

describe('GET /openapi.json', () => {
  it('documents every API route, with the error body for its failures', async () => {
    const response = await call('/openapi.json')
    expect(response.status).toBe(200)
    const spec = await response.json<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>
    }>()
    // The status pages are HTML for people, not API.
    const pages = /^\/(status(\/|$)|login$|logout$|$)/
    const routes = app.routes
      .filter((r) => r.method !== 'ALL' && !['/healthz', '/openapi.json', '/docs', DOCS_SCRIPT_PATH].includes(r.path))
      .filter((r) => !pages.test(r.path))
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`)
    const documented = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
    expect(routes.length).toBeGreaterThan(30)
    expect([...new Set(routes)].sort()).toEqual([...new Set(documented)].sort())
    expect(spec.paths['/backends']!.post!.responses['422']).toBeDefined()
  })

  it('reads like a reference: a short summary per operation, and the bearer scheme declared for /docs to offer', async () => {
    interface Spec {
      paths: Record<string, Record<string, { summary?: string; security?: Record<string, string[]>[] }>>
      components?: { securitySchemes?: Record<string, { type: string; scheme?: string }> }
    }
    const spec = await (await call('/openapi.json')).json<Spec>()
    const operations = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ at: `${method.toUpperCase()} ${path}`, ...op })),
    )
    expect(operations.length).toBeGreaterThan(30)
    const tooLong = operations
      .filter((op) => !op.summary || op.summary.length > 60)
      .map((op) => `${op.at}: ${op.summary ?? '(none)'}`)
    expect(tooLong).toEqual([])
    expect(spec.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    // Every operation that needs a token names the declared scheme.
    const schemes = new Set(operations.flatMap((op) => (op.security ?? []).flatMap((s) => Object.keys(s))))
    expect([...schemes]).toEqual(['bearer'])
  })

  it('serves a human docs page', async () => {
    const response = await call('/docs')
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toContain('text/html')
    expect(await response.text()).toContain('/openapi.json')
  })

  it("hides Scalar's client button, which would hand this deployment's /openapi.json address to Scalar's hosted client", async () => {
    const html = await (await call('/docs')).text()
    expect(html).toMatch(/"hideClientButton":\s*true/)
  })

  it('offers the bearer scheme on /docs from the start', async () => {
    const html = await (await call('/docs')).text()
    expect(html).toMatch(/"preferredSecurityScheme":\s*"bearer"/)
  })
})
