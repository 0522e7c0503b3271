import type { DeliveryAttempt, DeliveryRow, SubscriptionRow } from '../db/webhooks'

/**
 * A receiver's URL as it may be shown: a Slack incoming-webhook URL's path is its credential, and
 * any query string can hold a token, so neither leaves the database.
 */
export function shownWebhookUrl(url: string, format: string): string {
  try {
    const parsed = new URL(url)
    if (format === 'slack') return `${parsed.origin}/…`
    return parsed.search ? `${parsed.origin}${parsed.pathname}?…` : url
  } catch {
    return ''
  }
}

const iso = (date: Date | null) => date?.toISOString() ?? null

/** A subscription as the API answers it, never with its secret. */
export function subscriptionView(row: SubscriptionRow, now: Date) {
  const previousValid = row.previousSecretUntil && row.previousSecretUntil.getTime() > now.getTime()
  return {
    id: row.id,
    url: shownWebhookUrl(row.url, row.format),
    format: row.format as 'standard' | 'slack',
    events: row.events,
    backendIds: row.backendIds ?? null,
    description: row.description ?? null,
    enabled: row.enabled,
    disabledReason: row.disabledReason ?? null,
    disabledAt: iso(row.disabledAt),
    failingSince: iso(row.failingSince),
    previousSecretValidUntil: previousValid ? iso(row.previousSecretUntil) : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

/** A delivery as the API answers it: its attempts, without the message body. */
export function deliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    messageId: row.messageId,
    type: row.type,
    seq: row.seq ?? null,
    status: row.status as 'pending' | 'delivered' | 'failed',
    nextAttemptAt: iso(row.nextAttemptAt),
    createdAt: row.createdAt.toISOString(),
    attempts: row.attempts as DeliveryAttempt[],
  }
}
