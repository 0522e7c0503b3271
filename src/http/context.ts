import { createMiddleware } from 'hono/factory'
import { type Database, type DatabaseHandle, openDatabase } from '../db/client'
import { type Env, type Settings, parseSettings } from '../env'

export interface AppEnv {
  Bindings: Env
  Variables: {
    settings: Settings
    /** Opens the request's database on first use; closed when the response is done. */
    db: () => Database
    /** Set by the status pages: errors are answered as a page, not JSON. */
    page?: boolean
    /** Set by the status pages: the reader came in with a session cookie, so a page offers to log out. */
    signedIn?: boolean
  }
}

/**
 * Settings parsed once per bindings object: workerd hands every request of an isolate the same
 * `env`, so reads do not pay for validating them each time.
 */
const parsed = new WeakMap<Env, Settings>()

function settingsOf(env: Env): Settings {
  let settings = parsed.get(env)
  if (!settings) {
    settings = parseSettings(env)
    parsed.set(env, settings)
  }
  return settings
}

export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const settings = settingsOf(c.env)
  c.set('settings', settings)
  let handle: DatabaseHandle | undefined
  c.set('db', () => (handle ??= openDatabase(c.env, settings)).db)
  try {
    await next()
  } finally {
    if (handle) c.executionCtx.waitUntil(handle.close())
  }
})
