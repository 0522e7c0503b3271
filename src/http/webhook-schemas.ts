import { z } from 'zod'
import { ATTEMPT_RESULTS } from '../db/webhooks'

export const webhookSubscriptionSchema = z.object({
  id: z.string(),
  url: z
    .string()
    .describe(
      'The receiver. A Slack URL is shown without its path, and any URL without its query: both can hold a token.',
    ),
  format: z.enum(['standard', 'slack']),
  events: z.array(z.string()),
  backendIds: z.array(z.string()).nullable(),
  description: z.string().nullable(),
  enabled: z.boolean(),
  disabledReason: z
    .string()
    .nullable()
    .describe('Why it was disabled: a 410 from the receiver, or 5 days of failures.'),
  disabledAt: z.string().nullable(),
  failingSince: z.string().nullable().describe('Since when every attempt has failed; null after a success.'),
  previousSecretValidUntil: z.string().nullable().describe('Until when the secret before the last rotation signs too.'),
  createdAt: z.string(),
  updatedAt: z.string(),
})

export const webhookSecretSchema = webhookSubscriptionSchema.extend({
  secret: z
    .string()
    .nullable()
    .describe('The signing secret (whsec_…), shown only in this answer; null for Slack, which is unsigned.'),
})

export const deliveryAttemptSchema = z.object({
  at: z.string(),
  result: z.enum(ATTEMPT_RESULTS),
  httpStatus: z.number().nullable(),
  durationMs: z.number(),
  response: z.string().nullable().describe("The response's first 1 KiB."),
  error: z.string().nullable(),
})

export const webhookDeliverySchema = z.object({
  id: z.number(),
  messageId: z.string().describe('webhook-id: the same on every attempt.'),
  type: z.string(),
  seq: z.number().nullable().describe('The last event seq it carries; null for a test message.'),
  status: z.enum(['pending', 'delivered', 'failed']),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  attempts: z.array(deliveryAttemptSchema),
})

export const webhookDeliveryListSchema = z.object({
  deliveries: z.array(webhookDeliverySchema),
  next: z.string().nullable().describe('The cursor for the next (older) page; null on the last one.'),
})
