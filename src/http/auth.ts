import { createMiddleware } from 'hono/factory'
import { timingSafeEqual } from 'hono/utils/buffer'
import type { AppEnv } from './context'
import { ApiError } from './errors'

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(.+)$/i)
  return match?.[1]?.trim()
}

async function matchesAny(token: string, candidates: (string | undefined)[]): Promise<boolean> {
  let matched = false
  // Compare against every configured token so timing does not reveal which one exists.
  for (const candidate of candidates) {
    if (candidate && (await timingSafeEqual(token, candidate))) matched = true
  }
  return matched
}

/** Admin routes: `Authorization: Bearer <ADMIN_TOKEN>`. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.env.ADMIN_TOKEN) {
    throw new ApiError(
      503,
      'admin_token_not_configured',
      'admin API disabled: ADMIN_TOKEN is not set (wrangler secret put ADMIN_TOKEN, or .dev.vars locally)',
    )
  }
  const token = bearerToken(c.req.header('Authorization'))
  if (!token) throw new ApiError(401, 'missing_token', 'send Authorization: Bearer <ADMIN_TOKEN>')
  if (!(await matchesAny(token, [c.env.ADMIN_TOKEN]))) throw new ApiError(403, 'invalid_token', 'token not accepted')
  await next()
})

/** Read routes: READ_TOKEN or ADMIN_TOKEN, unless PUBLIC_READ=true. */
export const requireRead = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get('settings').PUBLIC_READ) return next()
  const tokens = [c.env.READ_TOKEN, c.env.ADMIN_TOKEN]
  if (!tokens.some(Boolean)) {
    throw new ApiError(503, 'read_token_not_configured', 'reads need READ_TOKEN or ADMIN_TOKEN, or PUBLIC_READ=true')
  }
  const token = bearerToken(c.req.header('Authorization'))
  if (!token) throw new ApiError(401, 'missing_token', 'send Authorization: Bearer <READ_TOKEN>')
  if (!(await matchesAny(token, tokens))) throw new ApiError(403, 'invalid_token', 'token not accepted')
  await next()
})
