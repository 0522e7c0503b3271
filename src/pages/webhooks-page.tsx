import type { DeliveryAttempt, DeliveryRow, DeliverySummary, SubscriptionRow } from '../db/webhooks'
import { shownWebhookUrl } from '../webhooks/views'
import { Layout } from './layout'
import { Cell, type Column, TableHead } from './parts'
import { timeAgo, utcMinute } from './time-ago'

export interface WebhooksPageProps {
  subscriptions: SubscriptionRow[]
  summaries: Map<string, DeliverySummary>
  now: Date
  signedIn: boolean
}

function LastDelivery({ delivery, now }: { delivery: DeliveryRow | null; now: Date }) {
  if (!delivery) return <span class="muted">none yet</span>
  const attempts = delivery.attempts as DeliveryAttempt[]
  const last = attempts.at(-1)
  const when = last?.at ?? delivery.createdAt.toISOString()
  const outcome = last
    ? last.result === 'success'
      ? `delivered (${String(last.httpStatus)})`
      : (last.error ?? `answered ${String(last.httpStatus)}`)
    : 'not sent yet'
  return (
    <div class="wrap">
      <div>
        {delivery.type} · {delivery.status}
        {attempts.length > 1 ? `, ${attempts.length} attempts` : ''}
      </div>
      <div class="meta">
        <time datetime={when} title={timeAgo(when, now)}>
          {utcMinute(when)}
        </time>{' '}
        {outcome}
      </div>
    </div>
  )
}

function State({ subscription }: { subscription: SubscriptionRow }) {
  if (subscription.enabled) {
    return subscription.failingSince ? (
      <span>
        enabled, <strong>failing</strong> since {utcMinute(subscription.failingSince.toISOString())}
      </span>
    ) : (
      <span>enabled</span>
    )
  }
  return (
    <span class="wrap">
      <strong>disabled</strong>
      {subscription.disabledReason ? `: ${subscription.disabledReason}` : ' by an admin'}
    </span>
  )
}

const COLUMNS: Column[] = [
  { label: 'Receiver' },
  { label: 'Sends' },
  { label: 'State' },
  { label: 'Last delivery' },
  { label: 'Failed', numeric: true },
  { label: 'Waiting', numeric: true },
]

/** The admins' view of webhook subscriptions: each one's state, last delivery and failures. */
export function WebhooksPage({ subscriptions, summaries, now, signedIn }: WebhooksPageProps) {
  return (
    <Layout title="Webhooks" section="none" signedIn={signedIn}>
      <h1>Webhooks</h1>
      <p class="meta">
        Receivers of the change feed, newest first. Manage them with the /webhooks admin API; each one's attempts are
        listed by GET /webhooks/:id/deliveries.
      </p>
      {subscriptions.length === 0 ? (
        <p>No subscriptions.</p>
      ) : (
        <table class="cards" role="table">
          <caption class="sr-only">Webhook subscriptions</caption>
          <TableHead columns={COLUMNS} />
          <tbody>
            {subscriptions.map((subscription) => {
              const summary = summaries.get(subscription.id)
              return (
                <tr role="row" data-id={subscription.id} data-enabled={String(subscription.enabled)}>
                  <Cell label="Receiver" lead>
                    <div class="wrap">{shownWebhookUrl(subscription.url, subscription.format)}</div>
                    <div class="meta">
                      {subscription.format === 'slack' ? 'Slack' : 'Standard Webhooks, signed'}
                      {subscription.description ? ` · ${subscription.description}` : ''}
                    </div>
                  </Cell>
                  <Cell label="Sends">
                    <div class="wrap">
                      {subscription.events.join(', ')}
                      {subscription.backendIds ? ` (${subscription.backendIds.length} backends)` : ''}
                    </div>
                  </Cell>
                  <Cell label="State">
                    <State subscription={subscription} />
                  </Cell>
                  <Cell label="Last delivery">
                    <LastDelivery delivery={summary?.last ?? null} now={now} />
                  </Cell>
                  <Cell label="Failed" numeric>
                    {summary?.failed ?? 0}
                  </Cell>
                  <Cell label="Waiting" numeric>
                    {summary?.pending ?? 0}
                  </Cell>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </Layout>
  )
}
