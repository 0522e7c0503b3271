import { type FakeProvider, type FakeRequest, errorFixture, fixture, json, notFound } from './fixtures'

/** OpenAI answers 401 without a key. */
export const openai: FakeProvider = (request) => {
  if (!request.headers.authorization) return { status: 401, body: errorFixture('openai', 401) }
  return request.path === '/v1/models' ? json('openai/models.json') : notFound(request.path)
}

/** The same models, three per page, paginated with has_more / after. */
export const openaiPaged: FakeProvider = (request) => paged(request, false)

/** Paginated, but every page after the first answers 500. */
export const openaiPage2Fails: FakeProvider = (request) => paged(request, true)

function paged(request: FakeRequest, laterPagesFail: boolean) {
  if (!request.headers.authorization) return { status: 401, body: errorFixture('openai', 401) }
  if (request.path !== '/v1/models') return notFound(request.path)
  const all = (JSON.parse(fixture('openai/models.json')) as { data: { id: string }[] }).data
  const after = request.query.get('after')
  if (after && laterPagesFail) return { status: 500, body: JSON.stringify({ error: { message: 'page 2 broke' } }) }
  const start = after ? all.findIndex((m) => m.id === after) + 1 : 0
  const data = all.slice(start, start + 3)
  const hasMore = start + 3 < all.length
  return { status: 200, body: JSON.stringify({ object: 'list', data, has_more: hasMore, last_id: data.at(-1)?.id }) }
}
