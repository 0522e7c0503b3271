import { listDefaults } from '../../../test/support/providers'
import { describe, expect, it } from 'vitest'
import { ProviderError } from '../../errors/provider-error'
import type { ListContext } from '../types'
import { listOpenRouterModels } from './list-models'

const model = (id: string) => ({
  id,
  context_length: 100,
  architecture: { input_modalities: ['text'], output_modalities: ['text'] },
  supported_parameters: [],
})

/** A context whose fetch answers each URL from `pages` and records what it was asked. */
function stub(pages: (url: URL) => unknown) {
  const requests: { url: string; authorization: string | null }[] = []
  const ctx: ListContext = {
    baseUrl: 'https://or.example/api/v1/',
    credential: 'sk-test-or-stub',
    signal: new AbortController().signal,
    ...listDefaults(),
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : input)
      requests.push({ url: url.href, authorization: new Headers(init?.headers).get('Authorization') })
      return Response.json(pages(url))
    },
  }
  return { ctx, requests }
}

describe('openrouter listing', () => {
  it('asks for every output modality and the embeddings list, with the bearer key', async () => {
    const { ctx, requests } = stub((url) =>
      url.pathname.endsWith('/embeddings/models') ? { data: [model('e/embed-1')] } : { data: [model('a/chat')] },
    )
    const observation = await listOpenRouterModels(ctx)
    expect(observation.models.map((m) => m.name)).toEqual(['a/chat', 'e/embed-1'])
    expect(requests.map((r) => r.url).sort()).toEqual([
      'https://or.example/api/v1/embeddings/models',
      'https://or.example/api/v1/models?output_modalities=all',
    ])
    expect(requests.every((r) => r.authorization === 'Bearer sk-test-or-stub')).toBe(true)
  })

  it('reads the two lists one after the other, never holding two connections at once', async () => {
    let open = 0
    let most = 0
    const ctx: ListContext = {
      baseUrl: 'https://or.example/api/v1',
      credential: 'sk-test-or-stub',
      signal: new AbortController().signal,
      ...listDefaults(),
      fetch: async (input: RequestInfo | URL) => {
        open++
        most = Math.max(most, open)
        await new Promise((resolve) => setTimeout(resolve, 5))
        open--
        const url = new URL(input instanceof Request ? input.url : input)
        return Response.json({ data: [model(url.pathname.endsWith('/embeddings/models') ? 'e/embed' : 'a/chat')] })
      },
    }
    expect((await listOpenRouterModels(ctx)).models.map((m) => m.name)).toEqual(['a/chat', 'e/embed'])
    expect(most).toBe(1)
  })

  it('follows links.next to the end', async () => {
    const { ctx, requests } = stub((url) => {
      if (url.pathname.endsWith('/embeddings/models')) return { data: [] }
      return url.searchParams.get('offset')
        ? { data: [model('b/second')], links: { next: null } }
        : { data: [model('a/first')], links: { next: '/api/v1/models?output_modalities=all&offset=1' } }
    })
    expect((await listOpenRouterModels(ctx)).models.map((m) => m.name)).toEqual(['a/first', 'b/second'])
    expect(requests).toHaveLength(3)
  })

  it('refuses a next page on another origin, a repeated one, and endless ones', async () => {
    const elsewhere = stub(() => ({ data: [], links: { next: 'https://evil.example/models' } }))
    await expect(listOpenRouterModels(elsewhere.ctx)).rejects.toMatchObject({ kind: 'bad_payload' })
    expect(elsewhere.requests.some((r) => r.url.startsWith('https://evil.example'))).toBe(false)

    const loop = stub((url) => ({ data: [], links: { next: url.pathname + url.search } }))
    await expect(listOpenRouterModels(loop.ctx)).rejects.toThrow(/repeated its next page/)

    let n = 0
    const endless = stub(() => ({ data: [], links: { next: `/api/v1/models?offset=${++n}` } }))
    const error = await listOpenRouterModels(endless.ctx).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProviderError)
    expect(error).toMatchObject({
      kind: 'bad_payload',
      message: expect.stringMatching(/still had more pages/) as unknown,
    })
  })
})
