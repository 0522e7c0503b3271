import { Scalar } from '@scalar/hono-api-reference'
import { Hono } from 'hono'
import { openAPIRouteHandler } from 'hono-openapi'
import { type AppEnv, requestContext } from './context'
import { corsFromSettings } from './cors'
import { ApiError, onError } from './errors'
import { OPENAPI_DOCUMENTATION } from './openapi'
import { backendRoutes } from './routes/backends'
import { cacheRoutes } from './routes/cache'
import { capabilityOverrideRoutes } from './routes/capability-overrides'
import { declaredModelRoutes } from './routes/declared-models'
import { groupRoutes } from './routes/groups'
import { modelRoutes, openAIRoutes } from './routes/models'
import { providerRoutes } from './routes/providers'
import { setupRoutes } from './routes/setup'
import { stateRoutes } from './routes/state'

const api = new Hono<AppEnv>()
  .route('/state', stateRoutes)
  .route('/providers', providerRoutes)
  .route('/models', modelRoutes)
  .route('/v1', openAIRoutes)
  .route('/backends', backendRoutes)
  .route('/declared-models', declaredModelRoutes)
  .route('/groups', groupRoutes)
  .route('/capability-overrides', capabilityOverrideRoutes)
  .route('/setup', setupRoutes)
  .route('/cache', cacheRoutes)

export const app = new Hono<AppEnv>()
  .onError(onError)
  .notFound((c) => {
    throw new ApiError(404, 'route_not_found', `no route ${c.req.method} ${c.req.path}`)
  })
  .get('/healthz', (c) => c.json({ ok: true }))
  // Validation failures are documented per route as 422 with the shared error body.
  .get(
    '/openapi.json',
    openAPIRouteHandler(api, { documentation: OPENAPI_DOCUMENTATION, defaultValidationErrorResponse: false }),
  )
  .get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'runtimestate API' }))
  .use(requestContext)
  .use(corsFromSettings)
  .route('/', api)

export type AppType = typeof app
