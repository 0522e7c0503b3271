import { type Database, openDatabase } from '../db/client'
import type { Env, Settings } from '../env'
import { InvocationBudget, countedFetch, countedQueue } from '../platform/invocation-budget'
import { type DeliveryPass, type WebhookQueueMessage, sendDueDeliveries } from '../webhooks/deliver'
import { errorText } from './cycle-errors'

/**
 * The cycle's webhook deliveries, after it published (so a slow receiver never delays a
 * publish): every due one, new or a retry, within what is left of the cycle's time. A failure
 * here is a warning; the deliveries stay pending for the next pass.
 */
export async function deliverWebhooks(
  deps: {
    db: Database
    env: Env
    settings: Settings
    fetch: typeof fetch
    now: () => Date
    budget: InvocationBudget
    deadlineMs: number
  },
  warnings: string[],
): Promise<DeliveryPass | undefined> {
  const queue = deps.env.WEBHOOK_QUEUE
  try {
    const pass = await sendDueDeliveries({
      db: deps.db,
      fetch: deps.fetch,
      now: deps.now,
      settings: deps.settings,
      secretsKey: deps.env.SECRETS_KEY,
      deadlineMs: deps.deadlineMs,
      queue: queue && countedQueue(queue, deps.budget),
    })
    if (pass.deferred)
      warnings.push('webhook deliveries left for the next run: the invocation ran out of time or subrequests')
    return pass
  } catch (error) {
    warnings.push(`sending webhooks: ${errorText(error)}`)
    return undefined
  }
}

/**
 * A WEBHOOK_QUEUE batch: each message asks for one subscription's due deliveries (a retry that
 * came due). They are sent in one pass; a pass that fails retries the batch, and a delivery sent
 * meanwhile by a cron run is not sent again (each attempt claims its delivery).
 */
export async function consumeWebhookBatch(
  batch: MessageBatch<WebhookQueueMessage>,
  env: Env,
  settings: Settings,
  ctx: ExecutionContext,
): Promise<void> {
  const budget = new InvocationBudget({ subrequests: settings.SUBREQUEST_BUDGET, kvOps: settings.KV_OPS_BUDGET })
  budget.take('subrequests')
  const handle = openDatabase(env, settings)
  const now = () => new Date()
  const queue = env.WEBHOOK_QUEUE
  try {
    const pass = await sendDueDeliveries({
      db: handle.db,
      fetch: countedFetch((input, init) => fetch(input, init), budget),
      now,
      settings,
      secretsKey: env.SECRETS_KEY,
      deadlineMs: now().getTime() + settings.CYCLE_BUDGET_MS,
      queue: queue && countedQueue(queue, budget),
      subscriptionIds: [...new Set(batch.messages.map((m) => m.body.subscriptionId))],
    })
    console.log(JSON.stringify({ msg: 'webhook deliveries', trigger: 'queue', ...pass, usage: budget.usage() }))
    batch.ackAll()
  } finally {
    ctx.waitUntil(handle.close())
  }
}
