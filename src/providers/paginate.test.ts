import { describe, expect, it } from 'vitest'
import { requestJson } from './http'
import { MAX_PAGES, paginate } from './paginate'
import { listDefaults } from '../../test/support/providers'
import type { ListContext } from './types'

function context(fields: Partial<ListContext> = {}): ListContext {
  return {
    baseUrl: 'http://backend.test',
    credential: undefined,
    signal: new AbortController().signal,
    fetch: async () => Response.json({}),
    ...listDefaults(),
    ...fields,
  }
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('should fail'),
    (error: unknown) => error,
  )

describe('paginate', () => {
  it('reads every page in order to the last', async () => {
    const cursors: (string | undefined)[] = []
    const items = await paginate(context(), {
      label: 'catalog',
      fetchPage: async (_, cursor) => {
        cursors.push(cursor)
        const n = Number(cursor ?? 0)
        return { items: [n * 2, n * 2 + 1], next: n < 2 ? String(n + 1) : undefined }
      },
    })
    expect(items).toEqual([0, 1, 2, 3, 4, 5])
    expect(cursors).toEqual([undefined, '1', '2'])
  })

  it('stops at a repeated cursor, naming it', async () => {
    let pages = 0
    const error = await failure(
      paginate(context(), {
        label: 'catalog',
        describeCursor: (c) => `the page after ${c}`,
        fetchPage: async () => ({ items: [++pages], next: 'same' }),
      }),
    )
    expect(error).toMatchObject({ kind: 'bad_payload', message: 'catalog repeated the page after same' })
    expect(pages).toBe(2)
  })

  it('counts a next page pointing back to the first as a repeat', async () => {
    const error = await failure(
      paginate(context(), {
        label: 'list',
        first: 'http://a/p1',
        fetchPage: async () => ({ items: [], next: 'http://a/p1' }),
      }),
    )
    expect(error).toMatchObject({ kind: 'bad_payload', message: 'list repeated cursor http://a/p1' })
  })

  it(`gives up after ${MAX_PAGES} pages`, async () => {
    let pages = 0
    const error = await failure(
      paginate(context(), { label: 'catalog', fetchPage: async () => ({ items: [], next: `c${++pages}` }) }),
    )
    expect(error).toMatchObject({ kind: 'bad_payload', message: `catalog still had more pages after ${MAX_PAGES}` })
    expect(pages).toBe(MAX_PAGES)
  })

  it('does not start a page the time left cannot fit, judged by the last one', async () => {
    let clock = 0
    let pages = 0
    const error = await failure(
      paginate(context({ now: () => clock, deadlineAt: 1_000 }), {
        label: 'catalog',
        fetchPage: async () => {
          clock += 300
          return { items: [++pages], next: `c${pages}` }
        },
      }),
    )
    expect(error).toMatchObject({
      kind: 'timeout',
      message: 'catalog had more pages after 3, but too little time was left before the probe timeout',
    })
    expect(pages).toBe(3)
  })

  it('stops when the probe deadline has aborted', async () => {
    const controller = new AbortController()
    const error = await failure(
      paginate(context({ signal: controller.signal }), {
        label: 'catalog',
        fetchPage: async () => {
          controller.abort()
          return { items: [], next: 'more' }
        },
      }),
    )
    expect(error).toMatchObject({ kind: 'timeout' })
  })

  it('holds all pages together to MAX_RESPONSE_BYTES', async () => {
    const page = JSON.stringify({ data: 'x'.repeat(600) })
    const ctx = context({ maxResponseBytes: 1024, fetch: async () => new Response(page) })
    let n = 0
    const error = await failure(
      paginate(ctx, {
        label: 'catalog',
        fetchPage: async (pageCtx) => {
          await requestJson(pageCtx, 'http://backend.test/models', { label: 'catalog' })
          return { items: [], next: `c${++n}` }
        },
      }),
    )
    expect(error).toMatchObject({
      kind: 'bad_payload',
      message: 'catalog pages larger than 1 KiB in total (MAX_RESPONSE_BYTES)',
    })
    expect(n).toBe(1)
  })
})
