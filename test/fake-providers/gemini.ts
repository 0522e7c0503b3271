import { type FakeProvider, type FakeRequest, type Reply, fixture, json, notFound } from './fixtures'

/** Keys the fake accepts; any other key is answered as Gemini does: 400 API_KEY_INVALID. */
export const GEMINI_FAKE_KEY_PREFIX = 'gm-test-'
const page2Token = () => (JSON.parse(fixture('gemini/models-page1.json')) as { nextPageToken: string }).nextPageToken

const googleError = (code: number, status: string, message: string): Reply => ({
  status: code,
  body: JSON.stringify({ error: { code, message, status } }),
})

function geminiList(request: FakeRequest, page2: () => Reply): Reply {
  const key = request.headers['x-goog-api-key']
  if (typeof key !== 'string' || !key) {
    return googleError(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers. Please use API Key.")
  }
  if (!key.startsWith(GEMINI_FAKE_KEY_PREFIX)) return json('gemini/error-400-invalid-key.json', 400)
  // The per-model describe call of the Go catalog: the list already has everything.
  if (request.path.startsWith('/v1beta/models/')) {
    return googleError(500, 'INTERNAL', `describe ${request.path} should not be called`)
  }
  if (request.path !== '/v1beta/models') return notFound(request.path)
  const token = request.query.get('pageToken')
  if (!token) return json('gemini/models-page1.json')
  if (token === page2Token()) return page2()
  return googleError(400, 'INVALID_ARGUMENT', `Invalid page token ${token}`)
}

/** models-page1.json, then models-page2.json for page1's `nextPageToken`. */
export const gemini: FakeProvider = (request) => geminiList(request, () => json('gemini/models-page2.json'))

/** Page 1 answers, page 2 fails with 503. */
export const geminiPage2Fail: FakeProvider = (request) =>
  geminiList(request, () => googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.'))
