import { catalogReply } from '../../scripts/local/catalog-server'
import { type FakeProvider, notFound } from './fixtures'

/** The models.dev catalog fixture at `/api.json`, with its ETag and 304s. */
export const catalog: FakeProvider = (request) => {
  if (request.path !== '/api.json') return notFound(request.path)
  // Node joins a repeated If-None-Match into one string.
  return catalogReply(request.headers['if-none-match'])
}

/** A catalog that is JSON but not the catalog's shape: one model has no `limit`. */
export const catalogInvalid: FakeProvider = (request) => {
  if (request.path !== '/api.json') return notFound(request.path)
  const body = JSON.parse(catalogReply(undefined).body) as Record<string, { models: Record<string, object> }>
  const { limit: _l, ...broken } = body.openai!.models['gpt-4o'] as { limit: unknown }
  body.openai!.models['gpt-4o'] = broken
  return { status: 200, body: JSON.stringify(body) }
}
