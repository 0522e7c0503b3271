import gemma from '../../../fixtures/providers/ollama/show-gemma3.json'
import llama from '../../../fixtures/providers/ollama/show-llama3.2.json'
import nomic from '../../../fixtures/providers/ollama/show-nomic-embed-text.json'
import qwen from '../../../fixtures/providers/ollama/show-qwen3.json'
import tags from '../../../fixtures/providers/ollama/tags.json'
import { tableFields } from '../../../test/support/expected-rows/row'
import { listDefaults, memoryDetailCache } from '../../../test/support/providers'
import { OLLAMA_ROWS } from '../../../test/support/expected-rows/ollama'
import { describe, expect, it } from 'vitest'
import { ProviderError } from '../../errors/provider-error'
import type { ListContext } from '../types'
import { listOllamaModels } from './list-models'

const SHOWS: Record<string, unknown> = {
  'qwen3:8b': qwen,
  'gemma3:4b': gemma,
  'llama3.2:latest': llama,
  'nomic-embed-text:latest': nomic,
}

function answering(response: () => Response): ListContext {
  return {
    baseUrl: 'http://ollama.example:11434',
    credential: undefined,
    signal: new AbortController().signal,
    ...listDefaults(),
    fetch: async () => response(),
  }
}

const failure = (ctx: ListContext) =>
  listOllamaModels(ctx).then(
    () => expect.fail('the listing should fail'),
    (error: unknown) => error as ProviderError,
  )

describe('ollama listing errors', () => {
  it("never pastes a proxy's error page, only says it was one", async () => {
    const page = `<html><body>${'x'.repeat(10_000)}</body></html>`
    const error = await failure(answering(() => new Response(page, { status: 500 })))
    expect(error).toBeInstanceOf(ProviderError)
    expect(error.kind).toBe('bad_status')
    expect(error.message).toBe('ollama API returned 500: an HTML page (text/plain)')
  })

  it("clips a huge JSON error message too, and keeps Ollama's own short one whole", async () => {
    const huge = await failure(answering(() => Response.json({ error: 'y'.repeat(10_000) }, { status: 502 })))
    expect(huge.message.length).toBeLessThan(400)

    const short = await failure(
      answering(() =>
        Response.json({ error: 'unauthorized', signin_url: 'https://ollama.com/connect' }, { status: 401 }),
      ),
    )
    expect(short.message).toBe('ollama API returned 401: unauthorized (signin: https://ollama.com/connect)')
  })
})

describe('ollama details before 0.30', () => {
  /** The fixtures' Ollama, on a clock every request moves on by one second. */
  function fixtureOllama() {
    let clock = 0
    const shows: string[] = []
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      clock += 1000
      if ((input instanceof Request ? input.url : input.toString()).endsWith('/api/tags')) return Response.json(tags)
      // The client posts a JSON string.
      const model = (JSON.parse(init?.body as string) as { model: string }).model
      shows.push(model)
      return Response.json(SHOWS[model])
    }) as typeof globalThis.fetch
    return { fetch, shows, now: () => clock }
  }

  it('asks for each digest once, then answers from the detail cache', async () => {
    const ollama = fixtureOllama()
    const detailCache = memoryDetailCache()
    const ctx = { ...answering(() => new Response()), ...ollama, detailCache, deadlineAt: Number.POSITIVE_INFINITY }
    const first = await listOllamaModels(ctx)
    expect(ollama.shows).toHaveLength(4)
    expect(detailCache.values.size).toBe(4)
    const second = await listOllamaModels(ctx)
    expect(ollama.shows).toHaveLength(4)
    expect(second).toEqual(first)
    expect(first.models.map(tableFields)).toEqual(OLLAMA_ROWS)
  })

  it('stops asking short of the deadline and says what it left unread', async () => {
    const ollama = fixtureOllama()
    // tags done at 1 s, shows at 2 s and 3 s; the margin (a fifth of what is left, 0.5 s) keeps the rest back.
    const ctx = { ...answering(() => new Response()), ...ollama, deadlineAt: 3_500 }
    const { models, warnings } = await listOllamaModels(ctx)
    expect(ollama.shows).toEqual(['qwen3:8b', 'gemma3:4b'])
    expect(models.map((m) => [m.name, m.canChat])).toEqual([
      ['qwen3:8b', true],
      ['gemma3:4b', true],
      ['llama3.2:latest', false],
      ['nomic-embed-text:latest', false],
    ])
    expect(warnings).toEqual(['ollama /api/show not asked for 2 model(s) before the probe deadline; later cycles will'])
  })
})

describe('ollama /api/show failures', () => {
  it('lists the first five and counts the rest, so a large backend cannot flood its warnings', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `model-${i}:latest`)
    const ctx = answering(() => new Response('', { status: 500 }))
    ctx.fetch = async (input: RequestInfo | URL) =>
      (input instanceof Request ? input.url : input.toString()).endsWith('/api/tags')
        ? Response.json({ models: names.map((name, i) => ({ name, model: name, digest: `d${i}` })) })
        : Response.json({ error: 'boom' }, { status: 500 })
    const { models, warnings } = await listOllamaModels(ctx)
    expect(models.map((m) => m.name)).toEqual(names)
    expect(warnings).toEqual([
      ...names.slice(0, 5).map((name) => `ollama /api/show for ${name} failed: ollama API returned 500: boom`),
      '… and 3 more /api/show problem(s) like these',
    ])
  })
})
