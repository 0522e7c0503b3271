import { Hono } from 'hono'
import { z } from 'zod'
import { listBackends } from '../../db/admin'
import {
  MAX_SUBSCRIPTIONS,
  claimDelivery,
  deleteSubscription,
  getDelivery,
  getSubscription,
  insertDelivery,
  insertSubscription,
  listDeliveries,
  listSubscriptions,
  updateSubscription,
} from '../../db/webhooks'
import { MODELS_CHANGED, FLEET_EVENT_KINDS, WEBHOOK_TEST } from '../../published/events'
import { encryptSecret } from '../../secrets'
import { type DeliverDeps, lookupPolicy, sendNow } from '../../webhooks/deliver'
import { newSigningSecret } from '../../webhooks/sign'
import { MAX_WEBHOOK_URL_CHARS, webhookTargetProblem } from '../../webhooks/target'
import { deliveryView, subscriptionView } from '../../webhooks/views'
import { requireAdmin } from '../auth'
import type { Context } from 'hono'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'
import { MAX_TEXT_CHARS, body, flag, id, idParams, limitParam, text, wholeNumber } from '../input'
import { logAdminChange } from '../log'
import { doc } from '../openapi'
import {
  webhookDeliveryListSchema,
  webhookDeliverySchema,
  webhookSecretSchema,
  webhookSubscriptionSchema,
} from '../webhook-schemas'
import { validate } from '../validate'

const EVENT_CHOICES = ['*', ...FLEET_EVENT_KINDS, MODELS_CHANGED] as const
/** How long the secret before a rotation keeps signing: receivers have a day to take the new one. */
const ROTATION_OVERLAP_MS = 24 * 3600 * 1000
const MAX_BACKEND_IDS = 1000
const DEFAULT_DELIVERIES_LIMIT = 50
const MAX_DELIVERIES_LIMIT = 200

const url = text('url', { max: MAX_WEBHOOK_URL_CHARS, trim: false })
const events = z
  .array(z.enum(EVENT_CHOICES, { error: `events: each must be one of ${EVENT_CHOICES.join(', ')}` }), {
    error: 'events must be an array of event types',
  })
  .min(1, 'events must name at least one event type, or *')
  .max(EVENT_CHOICES.length)
  .refine((list) => new Set(list).size === list.length, 'events must not repeat a type')
const backendIds = z
  .array(id('backendIds'), { error: 'backendIds must be an array of backend ids, or null for all' })
  .min(1, 'backendIds must name at least one backend, or be null for all')
  .max(MAX_BACKEND_IDS)
  .refine((list) => new Set(list).size === list.length, 'backendIds must not repeat an id')
  .nullable()
const description = text('description', { max: MAX_TEXT_CHARS, min: 0 }).nullable()

const createInput = body({
  url,
  events: events.optional(),
  backendIds: backendIds.optional(),
  description: description.optional(),
  format: z.enum(['standard', 'slack'], { error: 'format must be standard or slack' }).optional(),
})

const patchInput = body({
  url: url.optional(),
  events: events.optional(),
  backendIds: backendIds.optional(),
  description: description.optional(),
  enabled: flag('enabled').optional(),
})

const subscriptionParam = idParams('id')
const deliveryParams = z.object({ id: id('id'), deliveryId: wholeNumber('deliveryId', { min: 1 }) })
const deliveriesQuery = z.object({
  limit: limitParam(DEFAULT_DELIVERIES_LIMIT, MAX_DELIVERIES_LIMIT),
  cursor: wholeNumber('cursor', { min: 1 }).optional(),
})

const notFound = (subscriptionId: string) =>
  new ApiError(404, 'webhook_not_found', `no webhook subscription ${subscriptionId}`, 'id')

/** What sending needs from a request: the app's own fetch, clock and settings. */
function deliverDeps(c: Context<AppEnv>): DeliverDeps {
  return {
    db: c.get('db')(),
    fetch: (input, init) => fetch(input, init),
    now: () => new Date(),
    settings: c.get('settings'),
    secretsKey: c.env.SECRETS_KEY,
  }
}

/** A 422 naming `url` when it may not receive webhooks now (https, a public address, or allow-listed). */
async function checkTarget(c: Context<AppEnv>, target: string): Promise<void> {
  const problem = await webhookTargetProblem(target, lookupPolicy(deliverDeps(c)))
  if (problem) throw new ApiError(422, 'webhook_url_refused', `url: ${problem}`, 'url')
}

/** A 422 naming `backendIds` when one is not a declared backend: a typo would silently match nothing. */
async function checkBackends(c: Context<AppEnv>, ids: string[] | null | undefined): Promise<void> {
  if (!ids) return
  const known = new Set((await listBackends(c.get('db')())).map((b) => b.id))
  const unknown = ids.find((backendId) => !known.has(backendId))
  if (unknown !== undefined)
    throw new ApiError(422, 'backend_not_found', `backendIds: no backend ${unknown}`, 'backendIds')
}

function secretsKey(c: Context<AppEnv>): string {
  const key = c.env.SECRETS_KEY
  if (!key) {
    throw new ApiError(
      422,
      'secrets_key_missing',
      'signing secrets are stored encrypted and SECRETS_KEY is not set: set it, or use format "slack"',
      'format',
    )
  }
  return key
}

async function existing(c: Context<AppEnv>, subscriptionId: string) {
  const row = await getSubscription(c.get('db')(), subscriptionId)
  if (!row) throw notFound(subscriptionId)
  return row
}

export const webhookRoutes = new Hono<AppEnv>()
  .use(requireAdmin)
  .post(
    '/',
    doc({
      tag: 'webhooks',
      summary: 'Subscribe a receiver to the change feed',
      description: `Answers the subscription with its signing secret (whsec_…), shown only this once. \`events\` filters by type (\`*\` for all, the default); \`backendIds\` narrows to some backends. \`format: "slack"\` posts Slack incoming-webhook bodies, unsigned. At most ${MAX_SUBSCRIPTIONS} subscriptions.`,
      access: 'admin',
      json: true,
      ok: { 201: { description: 'subscribed, with its secret', schema: webhookSecretSchema } },
      errors: {
        409: `${MAX_SUBSCRIPTIONS} subscriptions are kept already`,
        422: 'bad input (a URL that is not https, names an IP address or resolves to a private one; an unknown backend; SECRETS_KEY unset); nothing written',
      },
    }),
    validate('json', createInput),
    async (c) => {
      const input = c.req.valid('json')
      const format = input.format ?? 'standard'
      const key = format === 'standard' ? secretsKey(c) : undefined
      await checkTarget(c, input.url)
      await checkBackends(c, input.backendIds)
      const secret = key ? newSigningSecret() : null
      const row = await insertSubscription(c.get('db')(), {
        id: crypto.randomUUID(),
        url: input.url,
        format,
        events: input.events ?? ['*'],
        backendIds: input.backendIds ?? null,
        description: input.description ?? null,
        secretCiphertext: secret && key ? await encryptSecret(secret, key) : null,
        pageOrigin: new URL(c.req.url).origin,
      })
      if (!row) {
        throw new ApiError(
          409,
          'too_many_webhooks',
          `at most ${MAX_SUBSCRIPTIONS} webhook subscriptions are kept; delete one first`,
        )
      }
      logAdminChange('webhook.create', { id: row.id, format })
      return c.json({ ...subscriptionView(row, new Date()), secret }, 201)
    },
  )
  .get(
    '/',
    doc({
      tag: 'webhooks',
      summary: 'Every webhook subscription, newest first',
      description: 'Never with a secret.',
      access: 'admin',
      ok: { 200: { description: 'the subscriptions', schema: z.array(webhookSubscriptionSchema) } },
    }),
    async (c) => {
      const now = new Date()
      return c.json((await listSubscriptions(c.get('db')())).map((row) => subscriptionView(row, now)))
    },
  )
  .get(
    '/:id',
    doc({
      tag: 'webhooks',
      summary: 'One webhook subscription',
      description: 'With why it was disabled, if it was; never with its secret.',
      access: 'admin',
      ok: { 200: { description: 'the subscription', schema: webhookSubscriptionSchema } },
      errors: { 404: 'no such subscription' },
    }),
    validate('param', subscriptionParam),
    async (c) => c.json(subscriptionView(await existing(c, c.req.valid('param').id), new Date())),
  )
  .patch(
    '/:id',
    doc({
      tag: 'webhooks',
      summary: 'Change a subscription, or enable it again',
      description:
        'Takes any of `url`, `events`, `backendIds`, `description` and `enabled`. Enabling clears why it was disabled and its failing time; its pending deliveries go out with the next run.',
      access: 'admin',
      json: true,
      ok: { 200: { description: 'the subscription', schema: webhookSubscriptionSchema } },
      errors: { 404: 'no such subscription', 422: 'bad input; nothing written' },
    }),
    validate('param', subscriptionParam),
    validate('json', patchInput),
    async (c) => {
      const { id: subscriptionId } = c.req.valid('param')
      const input = c.req.valid('json')
      await existing(c, subscriptionId)
      if (input.url !== undefined) await checkTarget(c, input.url)
      await checkBackends(c, input.backendIds)
      const now = new Date()
      const row = await updateSubscription(c.get('db')(), subscriptionId, {
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.events !== undefined ? { events: input.events } : {}),
        ...(input.backendIds !== undefined ? { backendIds: input.backendIds } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.enabled === true
          ? { enabled: true, disabledReason: null, disabledAt: null, failingSince: null }
          : {}),
        ...(input.enabled === false ? { enabled: false, disabledReason: null, disabledAt: now } : {}),
      })
      if (!row) throw notFound(subscriptionId)
      logAdminChange('webhook.update', { id: subscriptionId, fields: Object.keys(input) })
      return c.json(subscriptionView(row, now))
    },
  )
  .delete(
    '/:id',
    doc({
      tag: 'webhooks',
      summary: 'Delete a subscription and its deliveries',
      access: 'admin',
      ok: { 200: { description: 'deleted', schema: z.object({ deleted: z.string() }) } },
      errors: { 404: 'no such subscription' },
    }),
    validate('param', subscriptionParam),
    async (c) => {
      const { id: subscriptionId } = c.req.valid('param')
      if (!(await deleteSubscription(c.get('db')(), subscriptionId))) throw notFound(subscriptionId)
      logAdminChange('webhook.delete', { id: subscriptionId })
      return c.json({ deleted: subscriptionId })
    },
  )
  .post(
    '/:id/rotate-secret',
    doc({
      tag: 'webhooks',
      summary: 'Rotate the signing secret',
      description:
        'Answers the new secret. The old one keeps signing for 24 h, so messages carry two `v1,` signatures until receivers have the new one.',
      access: 'admin',
      ok: { 200: { description: 'the subscription with its new secret', schema: webhookSecretSchema } },
      errors: { 404: 'no such subscription', 409: 'a Slack subscription has no secret' },
    }),
    validate('param', subscriptionParam),
    async (c) => {
      const { id: subscriptionId } = c.req.valid('param')
      const row = await existing(c, subscriptionId)
      if (row.format === 'slack')
        throw new ApiError(409, 'unsigned_webhook', 'Slack messages are not signed: no secret to rotate')
      const key = secretsKey(c)
      const secret = newSigningSecret()
      const now = new Date()
      const updated = await updateSubscription(c.get('db')(), subscriptionId, {
        secretCiphertext: await encryptSecret(secret, key),
        previousSecretCiphertext: row.secretCiphertext,
        previousSecretUntil: new Date(now.getTime() + ROTATION_OVERLAP_MS),
      })
      if (!updated) throw notFound(subscriptionId)
      logAdminChange('webhook.rotate-secret', { id: subscriptionId })
      return c.json({ ...subscriptionView(updated, now), secret })
    },
  )
  .post(
    '/:id/test',
    doc({
      tag: 'webhooks',
      summary: 'Send a webhook.test message now',
      description:
        'Answers the delivery with its attempt. A failed test is retried on the schedule, outside the order of events.',
      access: 'admin',
      ok: { 200: { description: 'the delivery, attempted once', schema: webhookDeliverySchema } },
      errors: { 404: 'no such subscription' },
    }),
    validate('param', subscriptionParam),
    async (c) => {
      const { id: subscriptionId } = c.req.valid('param')
      const subscription = await existing(c, subscriptionId)
      const now = new Date()
      const db = c.get('db')()
      const delivery = await insertDelivery(db, {
        subscriptionId,
        messageId: `msg_test_${crypto.randomUUID().replaceAll('-', '')}`,
        type: WEBHOOK_TEST,
        payload: { type: WEBHOOK_TEST, timestamp: now.toISOString(), data: { subscriptionId } },
        at: now,
      })
      await sendNow(subscription, delivery, deliverDeps(c))
      logAdminChange('webhook.test', { id: subscriptionId })
      return c.json(deliveryView((await getDelivery(db, subscriptionId, delivery.id))!))
    },
  )
  .get(
    '/:id/deliveries',
    doc({
      tag: 'webhooks',
      summary: "A subscription's deliveries, newest first",
      description: `Each with its attempts: result, HTTP status, duration and the response's first 1 KiB. At most ?limit= (default ${DEFAULT_DELIVERIES_LIMIT}, up to ${MAX_DELIVERIES_LIMIT}); ask again with cursor=next for older ones.`,
      access: 'admin',
      ok: { 200: { description: 'the deliveries', schema: webhookDeliveryListSchema } },
      errors: { 404: 'no such subscription', 422: `limit not from 1 to ${MAX_DELIVERIES_LIMIT}, or a bad cursor` },
    }),
    validate('param', subscriptionParam),
    validate('query', deliveriesQuery),
    async (c) => {
      const { id: subscriptionId } = c.req.valid('param')
      const { limit, cursor } = c.req.valid('query')
      await existing(c, subscriptionId)
      const rows = await listDeliveries(c.get('db')(), subscriptionId, { limit: limit + 1, before: cursor })
      const page = rows.slice(0, limit)
      return c.json({
        deliveries: page.map(deliveryView),
        next: rows.length > limit ? String(page.at(-1)!.id) : null,
      })
    },
  )
  .post(
    '/:id/deliveries/:deliveryId/retry',
    doc({
      tag: 'webhooks',
      summary: 'Send one delivery again now',
      description:
        'Whatever its status. A pending one that fails keeps its schedule; a delivered or failed one keeps its status unless this attempt succeeds.',
      access: 'admin',
      ok: { 200: { description: 'the delivery with this attempt', schema: webhookDeliverySchema } },
      errors: { 404: 'no such subscription or delivery', 409: 'an attempt of this delivery is in flight' },
    }),
    validate('param', deliveryParams),
    async (c) => {
      const { id: subscriptionId, deliveryId } = c.req.valid('param')
      const subscription = await existing(c, subscriptionId)
      const db = c.get('db')()
      if (!(await getDelivery(db, subscriptionId, deliveryId))) {
        throw new ApiError(
          404,
          'delivery_not_found',
          `no delivery ${deliveryId} of webhook ${subscriptionId}`,
          'deliveryId',
        )
      }
      const claimed = await claimDelivery(db, deliveryId, new Date())
      if (!claimed)
        throw new ApiError(409, 'delivery_in_flight', `delivery ${deliveryId} is being sent; try again shortly`)
      await sendNow(subscription, claimed, deliverDeps(c))
      logAdminChange('webhook.retry', { id: subscriptionId, deliveryId })
      return c.json(deliveryView((await getDelivery(db, subscriptionId, deliveryId))!))
    },
  )
