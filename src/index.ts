import type { DatabaseHandle } from './db/client'
import { openDatabase } from './db/client'
import { type Env, parseSettings } from './env'
import { app } from './http/app'
import { runBackendCycle } from './reconcile/cycle'
import { type ProbeMessage, consumeProbeBatch, planFanOut } from './reconcile/fanout'

/** The dead-letter queue of PROBE_QUEUE is named after it with this suffix (see the README). */
const DEAD_LETTER_SUFFIX = '-dlq'

export default {
  fetch: app.fetch,

  /**
   * One reconcile cycle per cron invocation; with a PROBE_QUEUE binding, this invocation only
   * plans it and queue consumers probe.
   */
  async scheduled(_controller, env, ctx) {
    let handle: DatabaseHandle | undefined
    const settings = parseSettings(env)
    const deps = {
      env,
      settings,
      kv: env.KV,
      db: () => (handle ??= openDatabase(env, settings)).db,
      fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
      now: () => new Date(),
      trigger: 'cron' as const,
    }
    try {
      const queue = env.PROBE_QUEUE as Queue<ProbeMessage> | undefined
      await (queue ? planFanOut({ ...deps, queue }) : runBackendCycle(deps))
    } finally {
      if (handle) ctx.waitUntil(handle.close())
    }
  },

  /** Shards of a fanned-out cycle, its publish, and shards that went to the dead-letter queue. */
  async queue(batch, env, ctx) {
    let handle: DatabaseHandle | undefined
    const settings = parseSettings(env)
    const queue = env.PROBE_QUEUE as Queue<ProbeMessage> | undefined
    if (!queue) throw new Error('a probe queue message arrived, but the PROBE_QUEUE binding is not set')
    try {
      await consumeProbeBatch(batch as MessageBatch<ProbeMessage>, {
        env,
        settings,
        kv: env.KV,
        db: () => (handle ??= openDatabase(env, settings)).db,
        fetch: (input, init) => fetch(input, init),
        now: () => new Date(),
        queue,
        deadLettered: batch.queue.endsWith(DEAD_LETTER_SUFFIX),
      })
    } finally {
      if (handle) ctx.waitUntil(handle.close())
    }
  },
} satisfies ExportedHandler<Env>

export type { AppType } from './http/app'
