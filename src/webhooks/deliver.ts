import pMap from 'p-map'
import type { Database } from '../db/client'
import {
  type DeliveryAttempt,
  type DeliveryRow,
  type SubscriptionRow,
  claimNextDelivery,
  recordAttempt,
  releaseClaim,
  subscriptionsWithDueDeliveries,
} from '../db/webhooks'
import { BudgetExhaustedError } from '../platform/invocation-budget'
import { decryptSecret } from '../secrets'
import { dohResolver } from './dns'
import type { WebhookPayload } from '../published/events'
import { slackBody } from './payload'
import { DISABLE_AFTER_FAILING_MS, nextAttemptAt } from './schedule'
import { judgeOutcome, postMessage } from './send'
import { signatureHeader } from './sign'
import { type TargetPolicy, webhookTargetProblem } from './target'

/**
 * At most this many receivers are sent to at once: the platform allows an invocation 6
 * connections, and the database's WebSocket holds one of them.
 */
export const DELIVERY_CONCURRENCY = 5

/** A queue message asking for a subscription's due deliveries to be sent. */
export interface WebhookQueueMessage {
  kind: 'webhooks'
  subscriptionId: string
}

/** Cloudflare Queues delay a message by at most 12 hours. */
const MAX_QUEUE_DELAY_S = 12 * 3600

export interface WebhookSettings {
  WEBHOOK_TIMEOUT_MS: number
  WEBHOOK_ALLOW_HOSTS: string[]
  WEBHOOK_DNS_URL: string
}

export interface DeliverDeps {
  db: Database
  /** Counted against the invocation's budget: receivers and DNS lookups are subrequests. */
  fetch: typeof fetch
  now: () => Date
  settings: WebhookSettings
  secretsKey: string | undefined
  /** No attempt starts unless it can end (its timeout) before this. */
  deadlineMs?: number
  /** With it, each retry is also asked for on this queue, delayed until it is due. */
  queue?: Queue<WebhookQueueMessage>
  /** Only these subscriptions (a queue consumer's); all by default. */
  subscriptionIds?: readonly string[]
}

/** What one pass sent. */
export interface DeliveryPass {
  attempts: number
  delivered: number
  retrying: number
  failed: number
  /** Subscriptions disabled by this pass: by a 410, or by 5 days of failures. */
  disabled: number
  /** Due deliveries left for a later pass: the invocation's time or subrequests ran out. */
  deferred: boolean
}

/**
 * Sends every delivery that is due: per subscription one at a time in `seq` order (a failed one
 * holds back those after it until it is delivered or given up), subscriptions concurrently.
 */
export async function sendDueDeliveries(deps: DeliverDeps): Promise<DeliveryPass> {
  const pass: DeliveryPass = { attempts: 0, delivered: 0, retrying: 0, failed: 0, disabled: 0, deferred: false }
  let subscriptions = await subscriptionsWithDueDeliveries(deps.db, deps.now())
  if (deps.subscriptionIds) {
    const wanted = new Set(deps.subscriptionIds)
    subscriptions = subscriptions.filter((s) => wanted.has(s.id))
  }
  const policy = lookupPolicy(deps)
  await pMap(
    subscriptions,
    async (subscription) => {
      const secrets = await signingSecrets(subscription, deps)
      for (;;) {
        if (!timeLeft(deps)) {
          pass.deferred = true
          return
        }
        const delivery = await claimNextDelivery(deps.db, subscription.id, deps.now())
        if (!delivery) return
        const result = await attemptDelivery(subscription, delivery, secrets, policy, deps)
        if (result === 'deferred') {
          pass.deferred = true
          return
        }
        pass.attempts++
        pass[result.counted]++
        if (result.disabled) pass.disabled++
        if (result.counted !== 'delivered' || result.disabled) return
      }
    },
    { concurrency: DELIVERY_CONCURRENCY },
  )
  return pass
}

/** Whether an attempt started now ends (at its timeout) before the deadline. */
function timeLeft(deps: DeliverDeps): boolean {
  return deps.deadlineMs === undefined || deps.now().getTime() + deps.settings.WEBHOOK_TIMEOUT_MS < deps.deadlineMs
}

/** The address check, with one lookup per host per pass. */
export function lookupPolicy(deps: DeliverDeps): TargetPolicy {
  const resolve = dohResolver(deps.fetch, deps.settings.WEBHOOK_DNS_URL)
  const seen = new Map<string, Promise<string[]>>()
  return {
    allowHosts: deps.settings.WEBHOOK_ALLOW_HOSTS,
    resolve: (host) => {
      let addresses = seen.get(host)
      if (!addresses) seen.set(host, (addresses = resolve(host)))
      return addresses
    },
  }
}

/** The secrets that sign a subscription's messages now: its own, and the one before a rotation for 24 h. */
export async function signingSecrets(subscription: SubscriptionRow, deps: DeliverDeps): Promise<string[] | Error> {
  if (subscription.format === 'slack') return []
  if (!deps.secretsKey) return new Error('SECRETS_KEY is not set, so the signing secret cannot be read')
  try {
    const secrets = [await decryptSecret(subscription.secretCiphertext ?? '', deps.secretsKey)]
    const previousValid =
      subscription.previousSecretCiphertext &&
      subscription.previousSecretUntil &&
      subscription.previousSecretUntil.getTime() > deps.now().getTime()
    if (previousValid) secrets.push(await decryptSecret(subscription.previousSecretCiphertext!, deps.secretsKey))
    return secrets
  } catch {
    return new Error('the signing secret cannot be decrypted with this SECRETS_KEY')
  }
}

/** The request a delivery makes: a signed Standard Webhooks message, or a Slack body. */
export async function deliveryRequest(
  subscription: Pick<SubscriptionRow, 'format' | 'pageOrigin'>,
  delivery: Pick<DeliveryRow, 'messageId' | 'payload'>,
  secrets: string[],
  now: Date,
): Promise<{ headers: Record<string, string>; body: string }> {
  const payload = delivery.payload as WebhookPayload
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'runtimestate-webhooks/1',
  }
  if (subscription.format === 'slack')
    return { headers, body: JSON.stringify(slackBody(payload, subscription.pageOrigin)) }
  const body = JSON.stringify(payload)
  const timestampS = Math.floor(now.getTime() / 1000)
  headers['webhook-id'] = delivery.messageId
  headers['webhook-timestamp'] = String(timestampS)
  headers['webhook-signature'] = await signatureHeader(secrets, { id: delivery.messageId, timestampS, body })
  return { headers, body }
}

/** Sends one delivery, records the attempt, and asks the queue for its retry when there is one. */
export async function attemptDelivery(
  subscription: SubscriptionRow,
  delivery: DeliveryRow,
  secrets: string[] | Error,
  policy: TargetPolicy,
  deps: DeliverDeps,
): Promise<'deferred' | { counted: 'delivered' | 'retrying' | 'failed'; disabled: boolean }> {
  const at = deps.now()
  let outcome: { httpStatus: number | null; durationMs: number; response: string | null; error: string | null }
  try {
    const blocked = secrets instanceof Error ? secrets.message : await webhookTargetProblem(subscription.url, policy)
    if (blocked) {
      outcome = { httpStatus: null, durationMs: 0, response: null, error: blocked }
    } else {
      const request = await deliveryRequest(subscription, delivery, secrets as string[], at)
      outcome = await postMessage(deps.fetch, {
        url: subscription.url,
        ...request,
        timeoutMs: deps.settings.WEBHOOK_TIMEOUT_MS,
      })
    }
  } catch (error) {
    if (!(error instanceof BudgetExhaustedError)) throw error
    await releaseClaim(deps.db, delivery.id)
    return 'deferred'
  }
  const judged = judgeOutcome(outcome)
  const attemptsMade = (delivery.attempts as unknown[]).length + 1
  // A delivery that was over (delivered or given up) and is sent again by hand gets no new schedule.
  const scheduled = delivery.status === 'pending'
  const next = judged.kind === 'failure' && scheduled ? nextAttemptAt(attemptsMade, at) : null
  const result: DeliveryAttempt['result'] =
    judged.kind === 'success' ? 'success' : judged.kind === 'gone' ? 'gone' : next ? 'retry' : 'failed'
  const status =
    result === 'success' ? 'delivered' : result === 'retry' ? 'pending' : scheduled ? 'failed' : delivery.status
  const { disabledReason } = await recordAttempt(deps.db, {
    deliveryId: delivery.id,
    subscriptionId: subscription.id,
    record: { at: at.toISOString(), result, ...outcome, error: judged.why },
    status: status as 'pending' | 'delivered' | 'failed',
    nextAttemptAt: next,
    disable: judged.kind === 'gone' ? `the receiver answered 410 Gone at ${at.toISOString()}` : null,
    disableIfFailingSince: new Date(at.getTime() - DISABLE_AFTER_FAILING_MS),
  })
  if (next && deps.queue && !disabledReason) {
    const delaySeconds = Math.min(MAX_QUEUE_DELAY_S, Math.max(0, Math.ceil((next.getTime() - at.getTime()) / 1000)))
    await deps.queue.send({ kind: 'webhooks', subscriptionId: subscription.id }, { delaySeconds })
  }
  return {
    counted: result === 'success' ? 'delivered' : result === 'retry' ? 'retrying' : 'failed',
    disabled: disabledReason !== null,
  }
}

/** Sends one claimed delivery at once (a test, or a retry asked for by hand). */
export async function sendNow(subscription: SubscriptionRow, delivery: DeliveryRow, deps: DeliverDeps): Promise<void> {
  const result = await attemptDelivery(
    subscription,
    delivery,
    await signingSecrets(subscription, deps),
    lookupPolicy(deps),
    deps,
  )
  if (result === 'deferred') throw new Error('the delivery could not be sent: the request ran out of subrequests')
}
