import { exports } from 'cloudflare:workers'
import OpenAI from 'openai'
import { createClient } from 'runtimestate/client'
import { beforeEach, describe, expect, it } from 'vitest'
import { env } from 'cloudflare:workers'
import { createBackend, fake, resetAll, runScheduled } from './helpers'

beforeEach(resetAll)

/** Requests from a client straight into the Worker's fetch handler. */
const workerFetch = ((input: RequestInfo | URL, init?: RequestInit) =>
  exports.default.fetch(new Request(input, init))) as typeof fetch

describe('the typed client (runtimestate/client)', () => {
  it('declares a backend, runs a cycle and lists providers with typed calls', async () => {
    const admin = createClient('http://runtimestate.test', { token: env.ADMIN_TOKEN, fetch: workerFetch })
    const created = await admin.backends.$post({
      json: { name: 'vllm', type: 'vllm', baseUrl: fake('vllm', 'ok', 'cl1') },
    })
    expect(created.status).toBe(201)
    const backend = await created.json()
    expect('id' in backend && backend.name).toBe('vllm')

    const refresh = await admin.setup.refresh.$post()
    expect(refresh.status).toBe(200)

    const reader = createClient('http://runtimestate.test', { token: env.READ_TOKEN, fetch: workerFetch })
    const providers = await reader.providers.$get({ query: { type: 'vllm', capability: 'chat' } })
    expect(providers.status).toBe(200)
    const entries = await providers.json()
    // The client does not type this route's answer.
    const models = Array.isArray(entries) && (entries as { model: string }[]).map((e) => e.model)
    expect(models).toEqual(['qwen3-8b', 'sql-lora'])

    const denied = await createClient('http://runtimestate.test', { fetch: workerFetch }).state.$get()
    expect(denied.status).toBe(401)
  })
})

describe('OpenAI compatibility', () => {
  it('answers the official openai package models.list()', async () => {
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'oa1'))
    await runScheduled()
    const openai = new OpenAI({ apiKey: env.READ_TOKEN, baseURL: 'http://runtimestate.test/v1', fetch: workerFetch })
    const ids: string[] = []
    for await (const model of openai.models.list()) ids.push(model.id)
    expect(ids).toEqual(['qwen3-8b', 'sql-lora'])
  })

  it('reports a wrong key the way the openai package expects', async () => {
    const openai = new OpenAI({
      apiKey: 'sk-test-wrong',
      baseURL: 'http://runtimestate.test/v1',
      fetch: workerFetch,
      maxRetries: 0,
    })
    await expect(openai.models.list()).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError)
  })
})
