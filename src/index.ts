import type { DatabaseHandle } from './db/client'
import { openDatabase } from './db/client'
import { type Env, parseSettings } from './env'
import { app } from './http/app'
import { runBackendCycle } from './reconcile/cycle'

export default {
  fetch: app.fetch,

  /** One reconcile cycle per cron invocation. */
  async scheduled(_controller, env, ctx) {
    let handle: DatabaseHandle | undefined
    const settings = parseSettings(env)
    try {
      await runBackendCycle({
        env,
        settings,
        kv: env.KV,
        db: () => (handle ??= openDatabase(env, settings)).db,
        fetch: (input, init) => fetch(input, init),
        now: () => new Date(),
        trigger: 'cron',
      })
    } finally {
      if (handle) ctx.waitUntil(handle.close())
    }
  },
} satisfies ExportedHandler<Env>

export type { AppType } from './http/app'
