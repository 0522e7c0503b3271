import { sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import type { BackendRuntimeState } from '../src/published/types'
import {
  ADMIN,
  READER,
  adminJson,
  allKvValues,
  call,
  createBackend,
  fake,
  logsDuring,
  resetAll,
  runScheduled,
  withDb,
} from './helpers'

/** Looks like a real key: random, so any 6 of its characters in a row can only have come from it. */
const KEY = 'sk-test-Hq7ZmX2pLw9VbK4tRc8NQRST'
/** Every way the fakes quote a key back (test/fake-providers/hostile.ts). */
const ECHOES = [
  'full',
  'stars',
  'dots',
  'ellipsis',
  'last4',
  'prefix',
  'pretty',
  'header',
  'html',
  'body200',
  'lower',
  'redirect-key',
]

/** Every 6-character run of the key, and its last 4 after an ellipsis or masking stars, in lower case. */
function fragments(key: string): string[] {
  const runs = Array.from({ length: key.length - 5 }, (_, i) => key.slice(i, i + 6))
  const last4 = key.slice(-4)
  return [...runs, `…${last4}`, `...${last4}`, `*${last4}`].map((f) => f.toLowerCase())
}

/** The fragments of the key a text quotes, in any case (hosts and folded headers are lower case). */
function leaksIn(text: string, key = KEY): string[] {
  const lower = text.toLowerCase()
  return fragments(key).filter((f) => lower.includes(f))
}

beforeEach(resetAll)

describe('a key that backends quote back', () => {
  it('leaves no fragment in any read route, KV value or log line', async () => {
    const texts: string[] = []
    const logs = await logsDuring(async () => {
      for (const format of ECHOES) {
        for (const type of ['openai', 'anthropic'] as const) {
          const base =
            type === 'openai'
              ? `${fake(type, `echo-${format}`, `e-${format}`)}/v1`
              : fake(type, `echo-${format}`, `a-${format}`)
          const id = await createBackend(`${type}-${format}`, type, base)
          const configured = await adminJson('POST', `/providers/${type}/configure`, { apiKey: KEY, backendId: id })
          expect(configured.status).toBe(200)
        }
      }
      await runScheduled()
      const states = await (await call('/state', { headers: READER })).json<BackendRuntimeState[]>()
      expect(states).toHaveLength(ECHOES.length * 2)
      for (const state of states) {
        // Every echo path was taken: the backend failed on what it quoted.
        expect(state.status, state.name).toBe('down')
        texts.push(await (await call(`/state/${state.id}`, { headers: READER })).text())
      }
      for (const route of ['/state', '/providers', '/models', '/v1/models']) {
        texts.push(await (await call(route, { headers: READER })).text())
      }
    })
    const byName = Object.fromEntries(
      (await (await call('/state', { headers: READER })).json<BackendRuntimeState[]>()).map((s) => [s.name, s]),
    )
    expect(byName['openai-full']!.error).toBe(
      'OpenAI catalog returned 401: Incorrect API key provided: [redacted]. (invalid_api_key)',
    )
    expect(byName['openai-stars']!.error).toBe(
      'OpenAI catalog returned 401: Incorrect API key provided: [redacted]. (invalid_api_key)',
    )
    expect(byName['openai-last4']!.error).toBe(
      'OpenAI catalog returned 401: The key ending in [redacted] was revoked. (invalid_api_key)',
    )
    expect(byName['openai-html']!.error).toBe('OpenAI catalog returned 401: an HTML page (text/html)')
    expect(byName['openai-body200']!.error).toMatch(/^decode OpenAI catalog response: .*\[redacted\]/)

    const corpus = [...texts, ...(await allKvValues()), ...logs]
    const leaks = corpus.flatMap((text) => leaksIn(text).map((f) => `${f} in ${text.slice(0, 120)}`))
    expect(leaks).toEqual([])
  })

  it.each([
    ['echo-model', 'the key itself', 1],
    ['echo-model-masked', 'the key masked, or 16 characters of it', 3],
  ])('leaves out models whose id is %s (%s), and publishes the rest', async (behaviour, _what, left) => {
    const texts: string[] = []
    const logs = await logsDuring(async () => {
      const id = await createBackend('vllm-model-echo', 'vllm', fake('vllm', behaviour, 'm1'))
      const configured = await adminJson('POST', '/providers/vllm/configure', { apiKey: KEY, backendId: id })
      expect(configured.status).toBe(200)
      await runScheduled()
      for (const route of ['/state', `/state/${id}`, '/providers', '/models', '/v1/models']) {
        texts.push(await (await call(route, { headers: READER })).text())
      }
    })
    const [state] = await (await call('/state', { headers: READER })).json<BackendRuntimeState[]>()
    expect(state).toMatchObject({
      status: 'degraded',
      models: ['fake-safe-model'],
      warnings: [`left out ${left} model(s) whose id quoted the credential`],
    })
    expect(leaksIn([...texts, ...(await allKvValues()), ...logs].join('\n'))).toEqual([])
  })
})

describe('a key in a base URL stored before query strings were refused', () => {
  it('is published, returned and logged without its query string or fragment, and the probe still reaches the backend', async () => {
    const base = fake('vllm', 'ok', 'query-key')
    const stored = [
      { id: 'legacy-query', name: 'legacy-query', baseUrl: `${base}?key=${KEY}` },
      { id: 'legacy-fragment', name: 'legacy-fragment', baseUrl: `${base}#${KEY}` },
    ]
    await withDb(async (db) => {
      for (const backend of stored) {
        await db.execute(
          sql`insert into backends (id, name, type, base_url) values (${backend.id}, ${backend.name}, 'vllm', ${backend.baseUrl})`,
        )
      }
    })
    const texts: string[] = []
    const logs = await logsDuring(async () => {
      await runScheduled()
      for (const route of [
        '/state',
        '/providers',
        '/models',
        '/v1/models',
        '/status',
        '/status/models',
        '/status/events',
      ]) {
        texts.push(await (await call(route, { headers: READER })).text())
      }
      texts.push(await (await call('/backends', { headers: ADMIN })).text())
      for (const { id } of stored) {
        texts.push(await (await call(`/state/${id}`, { headers: READER })).text())
        texts.push(await (await call(`/status/backends/${id}`, { headers: READER })).text())
        texts.push(await (await call(`/backends/${id}`, { headers: ADMIN })).text())
      }
    })
    const states = await (await call('/state', { headers: READER })).json<BackendRuntimeState[]>()
    expect(states.map((s) => [s.name, s.status, s.backend.baseUrl]).sort()).toEqual([
      ['legacy-fragment', 'healthy', base],
      ['legacy-query', 'healthy', base],
    ])
    const corpus = [...texts, ...(await allKvValues()), ...logs]
    const leaks = corpus.flatMap((text) => leaksIn(text).map((f) => `${f} in ${text.slice(0, 120)}`))
    expect(leaks).toEqual([])
  })
})
