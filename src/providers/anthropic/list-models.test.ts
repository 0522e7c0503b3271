import { listDefaults } from '../../../test/support/providers'
import { describe, expect, it } from 'vitest'
import type { ListContext } from '../types'
import { anthropicBase, listAnthropicModels } from './list-models'

const model = (id: string) => ({ id, max_input_tokens: 1, max_tokens: 1, capabilities: null })

function stub(answer: (url: URL, n: number) => unknown) {
  const requests: { url: URL; headers: Headers }[] = []
  const ctx: ListContext = {
    baseUrl: '',
    credential: 'sk-test-ant-stub',
    signal: new AbortController().signal,
    ...listDefaults(),
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : input)
      requests.push({ url, headers: new Headers(init?.headers) })
      const reply = answer(url, requests.length)
      return reply instanceof Response ? reply : Response.json(reply)
    },
  }
  return { ctx, requests }
}

describe('anthropic listing', () => {
  it('calls the default base with the key, the version and the largest page', async () => {
    const { ctx, requests } = stub(() => ({ data: [model('claude-a')], has_more: false }))
    await listAnthropicModels(ctx)
    expect(requests).toHaveLength(1)
    expect(requests[0]!.url.href).toBe('https://api.anthropic.com/v1/models?limit=1000')
    expect(requests[0]!.headers.get('x-api-key')).toBe('sk-test-ant-stub')
    expect(requests[0]!.headers.get('anthropic-version')).toBe('2023-06-01')
  })

  it('accepts a base given with or without /v1', () => {
    expect(anthropicBase('https://proxy.example/anthropic/')).toBe('https://proxy.example/anthropic')
    expect(anthropicBase('https://proxy.example/anthropic/v1/')).toBe('https://proxy.example/anthropic')
    expect(anthropicBase('  ')).toBe('https://api.anthropic.com')
  })

  it('stops on a repeated cursor and after too many pages', async () => {
    const loop = stub(() => ({ data: [model('same')], has_more: true, last_id: 'same' }))
    await expect(listAnthropicModels(loop.ctx)).rejects.toMatchObject({
      kind: 'bad_payload',
      message: 'anthropic catalog repeated the page after same',
    })
    expect(loop.requests).toHaveLength(2)

    const endless = stub((_, n) => ({ data: [model(`m${n}`)], has_more: true, last_id: `m${n}` }))
    await expect(listAnthropicModels(endless.ctx)).rejects.toMatchObject({
      kind: 'bad_payload',
      message: 'anthropic catalog still had more pages after 50',
    })
  })

  it('says which call failed and why, in the seed wording', async () => {
    const html = stub(() => new Response('<html>gateway</html>', { status: 200 }))
    await expect(listAnthropicModels(html.ctx)).rejects.toMatchObject({
      kind: 'bad_payload',
      message: expect.stringMatching(/^decode anthropic catalog response: /) as unknown,
    })
    const overloaded = stub(() => new Response('{"type":"error"}', { status: 529 }))
    await expect(listAnthropicModels(overloaded.ctx)).rejects.toMatchObject({
      kind: 'bad_status',
      status: 529,
      message: 'anthropic catalog /v1/models returned 529: {"type":"error"}',
    })
  })
})
