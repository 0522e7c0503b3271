import { cors } from 'hono/cors'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from './context'

/** CORS for the origins in CORS_ORIGINS, so browser apps can read the API; none by default. */
export const corsFromSettings = createMiddleware<AppEnv>(async (c, next) => {
  const origins = c.get('settings').CORS_ORIGINS
  if (origins.length === 0) return next()
  return cors({
    origin: origins.includes('*') ? '*' : origins,
    allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'If-None-Match'],
    exposeHeaders: ['ETag'],
    maxAge: 600,
  })(c, next)
})
