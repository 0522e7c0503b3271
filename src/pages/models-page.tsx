import { BACKEND_STATUSES, type BackendStatus } from '../published/types'
import { CAPABILITIES, type Capability } from '../views/fleet'
import { CapabilityBadges, StatusBadge, contextLabel } from './badges'
import type { CatalogModel } from './catalog'
import { backendHref } from './fleet-page'
import { Layout } from './layout'
import { Pager, pageHref } from './pager'
import { Cell, Choice, TableHead } from './parts'

/** Backends named beside a model; past this, a link to the fleet filtered by the model lists them all. */
export const LISTED_BACKENDS = 5

/** The backends that can serve it now first, in the order of BACKEND_STATUSES. */
function servingFirst(backends: CatalogModel['backends']): CatalogModel['backends'] {
  const rank = (status: BackendStatus) => BACKEND_STATUSES.indexOf(status)
  return [...backends].sort((a, b) => rank(a.status) - rank(b.status))
}

export interface ModelsPageProps {
  models: CatalogModel[]
  total: number
  query: string
  capability: Capability | ''
  page: number
  pageCount: number
  signedIn: boolean
}

export function ModelsPage(props: ModelsPageProps) {
  const href = (page: number) => pageHref('/status/models', { q: props.query, capability: props.capability }, page)
  return (
    <Layout title="Models" section="models" signedIn={props.signedIn}>
      <h1>Models</h1>
      <p class="meta">Every model the fleet lists, which backends serve it, and what it can do on any of them.</p>
      <form class="filter" method="get" action="/status/models" role="search" aria-label="Find models">
        <label>
          Model id contains
          <input type="search" name="q" value={props.query} placeholder="e.g. embed" />
        </label>
        <Choice label="Capability" name="capability" any="any" options={CAPABILITIES} chosen={props.capability} />
        <button type="submit" class="primary">
          Find
        </button>
        {props.query || props.capability ? <a href="/status/models">Clear</a> : null}
      </form>
      <p class="meta">{`${props.total} models`}</p>
      {props.models.length === 0 ? (
        <p>No model matches.</p>
      ) : (
        <table class="cards" role="table">
          <caption class="sr-only">Models</caption>
          <TableHead
            columns={[
              { label: 'Model' },
              { label: 'Capabilities' },
              { label: 'Context', numeric: true },
              { label: 'Served by' },
            ]}
          />
          <tbody>
            {props.models.map((model) => (
              <tr role="row" data-model={model.id}>
                <Cell label="Model" lead>
                  <code>{model.id}</code>
                </Cell>
                <Cell label="Capabilities">
                  <CapabilityBadges bits={model.capabilities} />
                </Cell>
                <Cell label="Context" numeric>
                  {contextLabel(model.contextLength)}
                </Cell>
                <Cell label="Served by">
                  <ul class="served" role="list">
                    {servingFirst(model.backends)
                      .slice(0, LISTED_BACKENDS)
                      .map((backend) => (
                        <li>
                          <a href={backendHref(backend.id)}>{backend.name}</a> <StatusBadge status={backend.status} />
                          {backend.stale ? <span class="muted"> stale</span> : null}
                        </li>
                      ))}
                    {model.backends.length > LISTED_BACKENDS ? (
                      <li>
                        <a href={pageHref('/', { model: model.id }, 1)}>{`all ${model.backends.length} backends`}</a>
                      </li>
                    ) : null}
                  </ul>
                </Cell>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={props.page} pageCount={props.pageCount} href={href} label="Pages of models" />
    </Layout>
  )
}
