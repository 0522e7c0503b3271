/** The change feed's event kinds, and what a webhook subscription is sent: the contract receivers code against. */

/** The body of a Standard Webhooks message: `data` is the event as GET /events serves it. */
export interface WebhookPayload {
  type: string
  timestamp: string
  data: Record<string, unknown>
}

/** The kinds of change the feed records, each one event; a subscription chooses among them (or `*`). */
export const FLEET_EVENT_KINDS = [
  'backend.added',
  'backend.removed',
  'status.changed',
  'model.added',
  'model.removed',
  'model.changed',
] as const

export type FleetEventKind = (typeof FLEET_EVENT_KINDS)[number]

/** The one message a cycle sends per backend for all its model events. */
export const MODELS_CHANGED = 'backend.models_changed'
/** What POST /webhooks/:id/test sends. */
export const WEBHOOK_TEST = 'webhook.test'

export type WebhookFormat = 'standard' | 'slack'
