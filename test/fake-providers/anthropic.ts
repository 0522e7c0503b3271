import { type FakeProvider, type FakeRequest, type Reply, errorFixture, fixture } from './fixtures'

const error = (status: number, type: string, message: string): Reply => ({
  status,
  body: JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_fake' }),
})

/** Anthropic wants `x-api-key` (401) and `anthropic-version` (400) on every call. */
function refused(request: FakeRequest): Reply | undefined {
  if (!request.headers['x-api-key']) return { status: 401, body: errorFixture('anthropic', 401) }
  if (request.headers['anthropic-version'] !== '2023-06-01') {
    return error(400, 'invalid_request_error', 'anthropic-version: header is required and must be 2023-06-01')
  }
  if (request.path !== '/v1/models') return error(404, 'not_found_error', `Not found: ${request.path}`)
  return undefined
}

/** `/v1/models` in two pages: page 1 without `after_id`, page 2 after page 1's `last_id`. */
export const anthropic: FakeProvider = (request) => {
  const refusal = refused(request)
  if (refusal) return refusal
  const afterId = request.query.get('after_id')
  if (!afterId) return { status: 200, body: fixture('anthropic/models-page1.json') }
  const page1 = JSON.parse(fixture('anthropic/models-page1.json')) as { last_id: string }
  if (afterId === page1.last_id) return { status: 200, body: fixture('anthropic/models-page2.json') }
  return error(400, 'invalid_request_error', `after_id ${afterId} is not a model id`)
}

/** Page 1 as above; every request for a later page fails with a 500. */
export const anthropicPage2Fails: FakeProvider = (request) => {
  const refusal = refused(request)
  if (refusal) return refusal
  if (request.query.get('after_id')) return error(500, 'api_error', 'Internal server error')
  return { status: 200, body: fixture('anthropic/models-page1.json') }
}
