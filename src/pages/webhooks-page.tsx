import type { DeliveryAttempt, DeliveryRow, DeliverySummary, SubscriptionRow } from '../db/webhooks'
import { shownWebhookUrl } from '../webhooks/views'
import { Layout } from './layout'
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
    <div>
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
    <span>
      <strong>disabled</strong>
      {subscription.disabledReason ? `: ${subscription.disabledReason}` : ' by an admin'}
    </span>
  )
}

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
          <thead>
            <tr>
              <th scope="col">Receiver</th>
              <th scope="col">Sends</th>
              <th scope="col">State</th>
              <th scope="col">Last delivery</th>
              <th scope="col">Failed</th>
              <th scope="col">Waiting</th>
            </tr>
          </thead>
          <tbody>
            {subscriptions.map((subscription) => {
              const summary = summaries.get(subscription.id)
              return (
                <tr data-id={subscription.id} data-enabled={String(subscription.enabled)}>
                  <td data-label="Receiver">
                    <div class="mono">{shownWebhookUrl(subscription.url, subscription.format)}</div>
                    <div class="meta">
                      {subscription.format === 'slack' ? 'Slack' : 'Standard Webhooks, signed'}
                      {subscription.description ? ` · ${subscription.description}` : ''}
                    </div>
                  </td>
                  <td data-label="Sends">
                    {(subscription.events as string[]).join(', ')}
                    {subscription.backendIds ? ` (${subscription.backendIds.length} backends)` : ''}
                  </td>
                  <td data-label="State">
                    <State subscription={subscription} />
                  </td>
                  <td data-label="Last delivery">
                    <LastDelivery delivery={summary?.last ?? null} now={now} />
                  </td>
                  <td data-label="Failed">{summary?.failed ?? 0}</td>
                  <td data-label="Waiting">{summary?.pending ?? 0}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </Layout>
  )
}
