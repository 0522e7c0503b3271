import { Hono } from 'hono'
import { type AppEnv, requestContext } from './context'
import { corsFromSettings } from './cors'
import { ApiError, onError } from './errors'
import { backendRoutes } from './routes/backends'
import { cacheRoutes } from './routes/cache'
import { modelRoutes, openAIRoutes } from './routes/models'
import { providerRoutes } from './routes/providers'
import { setupRoutes } from './routes/setup'
import { stateRoutes } from './routes/state'

export const app = new Hono<AppEnv>()
  .onError(onError)
  .notFound((c) => {
    throw new ApiError(404, 'route_not_found', `no route ${c.req.method} ${c.req.path}`)
  })
  .get('/healthz', (c) => c.json({ ok: true }))
  .use(requestContext)
  .use(corsFromSettings)
  .route('/state', stateRoutes)
  .route('/backends', backendRoutes)
  .route('/providers', providerRoutes)
  .route('/setup', setupRoutes)
  .route('/models', modelRoutes)
  .route('/v1', openAIRoutes)
  .route('/cache', cacheRoutes)

export type AppType = typeof app
