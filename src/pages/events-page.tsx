import type { StoredEvent } from '../db/events'
import { eventText } from '../views/event-text'
import { backendHref } from './fleet-page'
import { Layout } from './layout'
import { timeAgo, utcMinute } from './time-ago'

export function EventList(props: { events: readonly StoredEvent[]; now: Date; withBackend: boolean }) {
  return (
    <ol class="events" role="list" reversed>
      {props.events.map((event) => (
        <li data-kind={event.kind}>
          <time datetime={event.at} title={timeAgo(event.at, props.now)}>
            {utcMinute(event.at)}
          </time>
          {props.withBackend ? <a href={backendHref(event.backendId)}>{event.backendName}</a> : null}
          <span>{eventText(event)}</span>
        </li>
      ))}
    </ol>
  )
}

export interface EventsPageProps {
  events: StoredEvent[]
  /** The `before` cursor of the next (older) page, when there is one. */
  older: number | null
  /** Whether this is not the newest page. */
  paged: boolean
  now: Date
  signedIn: boolean
}

export function EventsPage({ events, older, paged, now, signedIn }: EventsPageProps) {
  return (
    <Layout title="Events" section="events" signedIn={signedIn}>
      <h1>Events</h1>
      <p class="meta">Changes to the fleet, newest first. Machines read the same feed from GET /events.</p>
      {events.length === 0 ? <p>{paged ? 'No older events.' : 'No events yet.'}</p> : null}
      {events.length > 0 ? <EventList events={events} now={now} withBackend /> : null}
      {paged || older !== null ? (
        <nav class="pager" aria-label="Pages of events">
          {paged ? <a href="/status/events">Newest</a> : null}
          {older !== null ? (
            <a href={`/status/events?before=${older}`} rel="next">
              Older →
            </a>
          ) : null}
        </nav>
      ) : null}
    </Layout>
  )
}
