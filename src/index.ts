import type { DatabaseHandle } from './db/client'
import { openDatabase } from './db/client'
import { type Env, type Settings, SettingsError, parseSettings } from './env'
import { app } from './http/app'
import { newRunSummary, runBackendCycle, saveUnrecorded } from './reconcile/cycle'
import { type ProbeMessage, consumeProbeBatch, planFanOut } from './reconcile/fanout'
import { consumeWebhookBatch } from './reconcile/webhook-step'
import type { WebhookQueueMessage } from './webhooks/deliver'

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
    const settings = await settingsOrRecordedFailure(env, 'cron')
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
      const queue = env.PROBE_QUEUE
      await (queue ? planFanOut({ ...deps, queue }) : runBackendCycle(deps))
    } finally {
      if (handle) ctx.waitUntil(handle.close())
    }
  },

  /** Shards of a fanned-out cycle, its publish, and shards that went to the dead-letter queue. */
  async queue(batch, env, ctx) {
    let handle: DatabaseHandle | undefined
    const runIds = [...new Set(batch.messages.map((m) => (m.body as Partial<ProbeMessage> | null)?.runId))]
    const settings = await settingsOrRecordedFailure(
      env,
      'queue',
      `; a ${batch.queue} batch of run ${runIds.join(', ')}`,
    )
    if (batch.messages.every((m) => (m.body as Partial<WebhookQueueMessage> | null)?.kind === 'webhooks')) {
      return consumeWebhookBatch(batch as MessageBatch<WebhookQueueMessage>, env, settings, ctx)
    }
    const queue = env.PROBE_QUEUE
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

/**
 * The invocation's settings. A bad one stops the run before it begins, so the run is kept as the
 * unrecorded run in KV (the database cannot take it: opening it needs the settings too), where
 * GET /runs shows it with the setting named; then the error is thrown again, so the invocation
 * fails where the platform shows it (and a queue batch is retried rather than acknowledged).
 */
async function settingsOrRecordedFailure(env: Env, trigger: 'cron' | 'queue', where = ''): Promise<Settings> {
  try {
    return parseSettings(env)
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error
    const summary = newRunSummary(trigger, new Date())
    const message = `${error.message}${where}`
    const warnings: string[] = []
    await saveUnrecorded({ kv: env.KV, now: () => new Date() }, summary, message, warnings)
    console.error(
      JSON.stringify({
        msg: 'reconcile cycle',
        ...summary,
        outcome: 'failed',
        error: message,
        ...(warnings.length > 0 ? { warnings } : {}),
      }),
    )
    throw error
  }
}

export type { AppType } from './http/app'
