import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { openAPIRouteHandler } from 'hono-openapi'
import { type AppEnv, requestContext } from './context'
import { corsFromSettings } from './cors'
import { DOCS_SCRIPT_PATH, docsPage, docsScriptMissing } from './docs'
import { ApiError, onError } from './errors'
import { MAX_BODY_BYTES } from './input'
import { allowedMethods } from './method-not-allowed'
import { OPENAPI_DOCUMENTATION } from './openapi'
import { backendRoutes } from './routes/backends'
import { cacheRoutes } from './routes/cache'
import { catalogRoutes } from './routes/catalog'
import { capabilityOverrideRoutes } from './routes/capability-overrides'
import { declaredModelRoutes } from './routes/declared-models'
import { groupRoutes } from './routes/groups'
import { modelRoutes, openAIRoutes } from './routes/models'
import { providerCredentialRoutes } from './routes/provider-credentials'
import { providerRoutes } from './routes/providers'
import { runRoutes } from './routes/runs'
import { eventRoutes } from './routes/events'
import { metricsRoutes } from './routes/metrics'
import { pageRoutes } from './routes/pages'
import { setupRoutes } from './routes/setup'
import { stateRoutes } from './routes/state'
import { webhookRoutes } from './routes/webhooks'

const api = new Hono<AppEnv>()
  .route('/state', stateRoutes)
  .route('/providers', providerRoutes)
  .route('/providers', providerCredentialRoutes)
  .route('/models', modelRoutes)
  .route('/v1', openAIRoutes)
  .route('/backends', backendRoutes)
  .route('/declared-models', declaredModelRoutes)
  .route('/groups', groupRoutes)
  .route('/capability-overrides', capabilityOverrideRoutes)
  .route('/setup', setupRoutes)
  .route('/cache', cacheRoutes)
  .route('/runs', runRoutes)
  .route('/events', eventRoutes)
  .route('/metrics', metricsRoutes)
  .route('/catalog', catalogRoutes)
  .route('/webhooks', webhookRoutes)

export const app = new Hono<AppEnv>()
  .onError(onError)
  .notFound((c) => {
    // A known path asked with another method: 405 naming the ones it takes.
    const allow = allowedAt(c.req.path)
    if (allow.length > 0) {
      throw new ApiError(
        405,
        'method_not_allowed',
        `${c.req.method} is not allowed on ${c.req.path}; use ${allow.join(', ')}`,
        undefined,
        { Allow: allow.join(', ') },
      )
    }
    throw new ApiError(404, 'route_not_found', `no route ${c.req.method} ${c.req.path}`)
  })
  .get('/healthz', (c) => c.json({ ok: true }))
  // Validation failures are documented per route as 422 with the shared error body.
  .get(
    '/openapi.json',
    // `api` was made by `new Hono()`: `route` returns `this`, but is typed as returning Hono's base class.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    openAPIRouteHandler(api, { documentation: OPENAPI_DOCUMENTATION, defaultValidationErrorResponse: false }),
  )
  .get('/docs', docsPage)
  .get(DOCS_SCRIPT_PATH, docsScriptMissing)
  .use(requestContext)
  .use(corsFromSettings)
  // Every body is bounded before anything reads it; only admin routes take one.
  .use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, 'body_too_large', `request body must be at most ${MAX_BODY_BYTES} bytes`)
      },
    }),
  )
  .route('/', api)
  .route('/', pageRoutes)

const allowedAt = allowedMethods(app.routes)

export type AppType = typeof app
