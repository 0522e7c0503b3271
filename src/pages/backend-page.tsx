import type { StoredEvent } from '../db/events'
import type { BackendRuntimeState } from '../published/types'
import { factsOf, fleetModel } from '../views/fleet'
import { StatusBadge } from './badges'
import { EventList } from './events-page'
import { CapabilityBadges, FactsLegend, PriceFacts, TokensFact } from './facts'
import { Ago } from './fleet-page'
import { Layout } from './layout'
import { Cell, type Column, TableHead } from './parts'
import { percent } from './time-ago'
import { type HourBar, UptimeChart } from './uptime-chart'

export interface BackendPageProps {
  state: BackendRuntimeState
  /** Its hourly rollups and recent events, or null when the database could not be read. */
  history: { hours: HourBar[]; events: StoredEvent[] } | null
  now: Date
  signedIn: boolean
}

const MODEL_COLUMNS: Column[] = [
  { label: 'Model' },
  { label: 'Capabilities' },
  { label: 'Context', numeric: true },
  { label: 'Output', numeric: true },
  { label: 'Price per 1M', numeric: true },
  { label: 'Freshness' },
  { label: 'First seen' },
]

const ms = (value: number | null) => (value === null ? '–' : `${value} ms`)

export function BackendPage({ state, history, now, signedIn }: BackendPageProps) {
  return (
    <Layout title={state.name} section="none" signedIn={signedIn}>
      <p>
        <a href="/">← Fleet</a>
      </p>
      <h1>
        {state.name} <StatusBadge status={state.status} />
      </h1>
      {state.error ? (
        <p class="error" role="note">
          {state.error}
        </p>
      ) : null}
      {(state.warnings ?? []).map((warning) => (
        <p class="warning">{warning}</p>
      ))}
      <dl class="facts">
        <dt>Type</dt>
        <dd>{state.backend.type}</dd>
        <dt>Base URL</dt>
        <dd>{state.backend.baseUrl}</dd>
        <dt>Checked</dt>
        <dd>
          <Ago iso={state.checkedAt} now={now} />
        </dd>
        <dt>Last success</dt>
        <dd>
          <Ago iso={state.lastSuccessAt} now={now} />
        </dd>
        <dt>Uptime</dt>
        <dd>{`1 h ${percent(state.uptime['1h'])} · 24 h ${percent(state.uptime['24h'])} · 7 d ${percent(state.uptime['7d'])}`}</dd>
        <dt>Latency 24 h</dt>
        <dd>{`p50 ${ms(state.latency24h.p50Ms)} · p95 ${ms(state.latency24h.p95Ms)}`}</dd>
        <dt>Failures in a row</dt>
        <dd>{state.consecutiveFailures}</dd>
        {state.retryAfterUntil ? (
          <>
            <dt>Not asked until</dt>
            <dd>
              <Ago iso={state.retryAfterUntil} now={now} /> (it asked to be left alone)
            </dd>
          </>
        ) : null}
      </dl>

      <h2>Uptime, last 24 hours</h2>
      {history ? (
        <UptimeChart hours={history.hours} now={now} />
      ) : (
        <p class="notice">The database cannot be read right now, so the hourly uptime and events are not shown.</p>
      )}

      <h2>{`Models (${state.pulledModels.length})`}</h2>
      {state.pulledModels.length === 0 ? (
        <p>It serves no models{state.status === 'healthy' ? '' : ' while it is ' + state.status}.</p>
      ) : (
        <>
          <FactsLegend />
          <table class="cards" role="table">
            <caption class="sr-only">{`Models of ${state.name}`}</caption>
            <TableHead columns={MODEL_COLUMNS} />
            <tbody>
              {state.pulledModels.map((model) => {
                // The form the models page reads too, so both show the same values the same way.
                const shown = fleetModel(model)
                const facts = factsOf(shown)
                return (
                  <tr role="row">
                    <Cell label="Model" lead>
                      <code>{shown[0]}</code>
                    </Cell>
                    <Cell label="Capabilities">
                      <CapabilityBadges bits={shown[1]} facts={facts} />
                    </Cell>
                    <Cell label="Context" numeric>
                      <TokensFact fact={facts.context} what="Context" />
                    </Cell>
                    <Cell label="Output" numeric>
                      <TokensFact fact={facts.output} what="Output" />
                    </Cell>
                    <Cell label="Price per 1M" numeric>
                      <PriceFacts facts={facts} />
                    </Cell>
                    <Cell label="Freshness">
                      <span>
                        {model.stale ? <strong>stale</strong> : 'fresh'}, listed{' '}
                        <Ago iso={model.observedAt} now={now} />
                      </span>
                    </Cell>
                    <Cell label="First seen">
                      <Ago iso={model.firstSeenAt} now={now} />
                    </Cell>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </>
      )}

      <h2>Recent events</h2>
      {history ? (
        history.events.length === 0 ? (
          <p>No events recorded.</p>
        ) : (
          <EventList events={history.events} now={now} withBackend={false} />
        )
      ) : (
        <p class="muted">Not available while the database cannot be read.</p>
      )}
    </Layout>
  )
}
