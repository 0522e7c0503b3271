import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import { renderPage } from '../pages/layout'
import { ReloadPage } from '../pages/login-page'
import { bearerCanRead, matchesAny, readTokens } from './auth'
import type { AppEnv } from './context'
import { ApiError } from './errors'
import { SESSION_COOKIE_NAME, SESSION_TTL_S, sessionValue, validSession } from './session'

/** Errors on the routes that use this are answered as pages. */
export const asPage = createMiddleware<AppEnv>(async (c, next) => {
  c.set('page', true)
  await next()
})

function sessionKeys(c: Context<AppEnv>) {
  return { secretsKey: c.env.SECRETS_KEY, tokens: readTokens(c.env) }
}

/**
 * A path on this host to go back to after signing in; anything else goes to the fleet. Browsers
 * drop tabs and line breaks from a URL and read `\` as `/`, so `/\t/evil.example` would leave
 * the host: no control character, space or backslash is allowed anywhere.
 */
export function safeNext(next: string | undefined): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses.
  return next && /^\/(?!\/)[^\x00-\x20\x7f\\]*$/.test(next) ? next : '/'
}

/**
 * The status pages' reader: anyone when PUBLIC_READ=true, else a valid session cookie or a read
 * token as `Authorization: Bearer` (for curl). A browser without either is sent to the login form.
 */
export const requirePageReader = createMiddleware<AppEnv>(async (c, next) => {
  c.set('page', true)
  if (c.get('settings').PUBLIC_READ) {
    c.set('signedIn', false)
    return next()
  }
  if (await validSession(getCookie(c, SESSION_COOKIE_NAME, 'host'), sessionKeys(c), new Date())) {
    c.set('signedIn', true)
    return next()
  }
  if (await bearerCanRead(c)) {
    c.set('signedIn', false)
    return next()
  }
  return toLogin(c)
})

/**
 * The admins' pages: a session made with ADMIN_TOKEN, or ADMIN_TOKEN as `Authorization: Bearer`.
 * PUBLIC_READ opens nothing here. A reader signed in with READ_TOKEN is told to sign in as an admin.
 */
export const requirePageAdmin = createMiddleware<AppEnv>(async (c, next) => {
  c.set('page', true)
  const admin = c.env.ADMIN_TOKEN
  if (!admin) throw new ApiError(503, 'admin_token_not_configured', 'This page needs ADMIN_TOKEN to be set.')
  const cookie = getCookie(c, SESSION_COOKIE_NAME, 'host')
  const now = new Date()
  if (await validSession(cookie, { secretsKey: c.env.SECRETS_KEY, tokens: [admin] }, now)) {
    c.set('signedIn', true)
    return next()
  }
  const token = c.req.header('Authorization')?.match(/^Bearer\s+(.+)$/i)?.[1]
  if (token !== undefined && (await matchesAny(token, [admin]))) {
    c.set('signedIn', false)
    return next()
  }
  if (await validSession(cookie, sessionKeys(c), now)) {
    throw new ApiError(403, 'admin_only', 'This page is for admins: log out, then sign in with ADMIN_TOKEN.')
  }
  return toLogin(c)
})

/** A browser without a session goes to the login form (after a reload when it came from another site). */
async function toLogin(c: Context<AppEnv>) {
  const url = new URL(c.req.url)
  // A link followed from another site (chat, a ticket) comes without the SameSite=Strict cookie:
  // the page reloads itself once, as a same-site navigation that carries it.
  if (c.req.method === 'GET' && c.req.header('Sec-Fetch-Site') === 'cross-site') {
    return c.html(await renderPage(ReloadPage({ href: safeNext(url.pathname + url.search) })), 200, {
      'Cache-Control': 'no-store',
    })
  }
  return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303)
}

/** Checks a token from the login form; when it reads, sets the session cookie. */
export async function signIn(c: Context<AppEnv>, token: string): Promise<boolean> {
  if (!(await matchesAny(token, readTokens(c.env)))) return false
  setCookie(c, SESSION_COOKIE_NAME, await sessionValue(token, c.env.SECRETS_KEY, new Date()), {
    prefix: 'host',
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
    path: '/',
    maxAge: SESSION_TTL_S,
  })
  return true
}

export function signOut(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE_NAME, { prefix: 'host', path: '/', secure: true })
}
