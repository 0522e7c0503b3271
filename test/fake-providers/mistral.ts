import { type FakeProvider, errorFixture, json, notFound } from './fixtures'

/** Mistral answers 401 without a bearer key. */
export const mistral: FakeProvider = (request) => {
  if (!request.headers.authorization?.startsWith('Bearer ')) return { status: 401, body: errorFixture('mistral', 401) }
  return request.path === '/v1/models' ? json('mistral/models.json') : notFound(request.path)
}
