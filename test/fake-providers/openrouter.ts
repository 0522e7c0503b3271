import { type FakeProvider, errorFixture, fixture, notFound } from './fixtures'

interface Model {
  id: string
  architecture: { output_modalities: string[] }
}

/**
 * OpenRouter under `/api/v1`. `/models` filters by `output_modalities` as the real server does
 * (default `text`, so embedders and image models only appear with `all`); `/embeddings/models`
 * lists the embedders. The OpenAPI spec declares bearer auth for both: 401 without it.
 */
export const openrouter: FakeProvider = (request) => {
  if (!request.headers.authorization?.startsWith('Bearer '))
    return { status: 401, body: errorFixture('openrouter', 401) }
  if (request.path === '/api/v1/embeddings/models')
    return { status: 200, body: fixture('openrouter/embeddings-models.json') }
  if (request.path !== '/api/v1/models') return notFound(request.path)
  const wanted = (request.query.get('output_modalities') ?? 'text').split(',').map((m) => m.trim())
  const list = JSON.parse(fixture('openrouter/models.json')) as { data: Model[]; total_count: number }
  if (!wanted.includes('all')) {
    list.data = list.data.filter((m) => m.architecture.output_modalities.some((o) => wanted.includes(o)))
    list.total_count = list.data.length
  }
  return { status: 200, body: JSON.stringify(list) }
}
