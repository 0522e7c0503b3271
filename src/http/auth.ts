import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from './context'
import { ApiError } from './errors'

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(.+)$/i)
  return match?.[1]?.trim()
}

export async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
}

/** The configured tokens' digests, computed once per isolate. */
const configuredDigests = new Map<string, Uint8Array>()

async function digestOfConfigured(token: string): Promise<Uint8Array> {
  const known = configuredDigests.get(token)
  if (known) return known
  const computed = await digest(token)
  configuredDigests.set(token, computed)
  return computed
}

/** Equal digests, compared without stopping at the first difference. */
export function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ (b[i] ?? 0)
  return difference === 0
}

/**
 * Compares digests, not the tokens, so the time taken does not depend on how much of a token is
 * right; every configured token is compared, so it does not reveal which ones exist either.
 */
export async function matchesAny(token: string, candidates: (string | undefined)[]): Promise<boolean> {
  const presented = await digest(token)
  let matched = false
  for (const candidate of candidates) {
    if (candidate && sameDigest(presented, await digestOfConfigured(candidate))) matched = true
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

/** The tokens a reader may present: READ_TOKEN and ADMIN_TOKEN. */
export function readTokens(env: AppEnv['Bindings']): (string | undefined)[] {
  const tokens = [env.READ_TOKEN, env.ADMIN_TOKEN]
  if (!tokens.some(Boolean)) {
    throw new ApiError(503, 'read_token_not_configured', 'reads need READ_TOKEN or ADMIN_TOKEN, or PUBLIC_READ=true')
  }
  return tokens
}

/** Whether the request carries a read token as `Authorization: Bearer`. */
export async function bearerCanRead(c: Context<AppEnv>): Promise<boolean> {
  const token = bearerToken(c.req.header('Authorization'))
  return token !== undefined && (await matchesAny(token, readTokens(c.env)))
}

/** Read routes: READ_TOKEN or ADMIN_TOKEN, unless PUBLIC_READ=true. */
export const requireRead = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get('settings').PUBLIC_READ) return next()
  const tokens = readTokens(c.env)
  const token = bearerToken(c.req.header('Authorization'))
  if (!token) throw new ApiError(401, 'missing_token', 'send Authorization: Bearer <READ_TOKEN>')
  if (!(await matchesAny(token, tokens))) throw new ApiError(403, 'invalid_token', 'token not accepted')
  await next()
})
