import { describe, expect, it } from 'vitest'
import { ProviderError } from '../../errors/provider-error'
import type { ListContext } from '../types'
import { listOllamaModels } from './list-models'

function answering(response: () => Response): ListContext {
  return {
    baseUrl: 'http://ollama.example:11434',
    credential: undefined,
    signal: new AbortController().signal,
    fetch: (async () => response()) as typeof fetch,
  }
}

const failure = (ctx: ListContext) =>
  listOllamaModels(ctx).then(
    () => expect.fail('the listing should fail'),
    (error: unknown) => error as ProviderError,
  )

describe('ollama listing errors', () => {
  it("clips a proxy's huge error page to the shared 300 characters", async () => {
    const page = `<html><body>${'x'.repeat(10_000)}</body></html>`
    const error = await failure(answering(() => new Response(page, { status: 500 })))
    expect(error).toBeInstanceOf(ProviderError)
    expect(error.kind).toBe('bad_status')
    expect(error.message.startsWith('ollama API returned 500: <html><body>xxx')).toBe(true)
    expect(error.message.length).toBeLessThan(400)
    expect(error.message.endsWith('…')).toBe(true)
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
