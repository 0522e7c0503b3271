import { BACKEND_STATUSES, type BackendStatus } from '../published/types'
import { StatusBadge } from './badges'
import type { CatalogModel } from './catalog'
import { CapabilityBadges, FactsLegend, PriceFacts, TokensFact } from './facts'
import { backendHref } from './fleet-page'
import { Layout } from './layout'
import { type FilterProblem, ModelsFilter, type ModelsForm } from './models-filter'
import { Pager, pageHref } from './pager'
import { Cell, type Column, TableHead } from './parts'

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
  /** The filter as asked, shown again in the form. */
  form: ModelsForm
  /** Set when the filter could not be read: the page shows why, and no models. */
  problems: FilterProblem[]
  page: number
  pageCount: number
  signedIn: boolean
}

const MODEL_COLUMNS: Column[] = [
  { label: 'Model' },
  { label: 'Capabilities' },
  { label: 'Context', numeric: true },
  { label: 'Output', numeric: true },
  { label: 'Price per 1M', numeric: true },
  { label: 'Served by' },
]

export function ModelsPage(props: ModelsPageProps) {
  const href = (page: number) => pageHref('/status/models', props.form, page)
  return (
    <Layout title="Models" section="models" signedIn={props.signedIn}>
      <h1>Models</h1>
      <p class="meta">
        Every model the fleet lists, which backends serve it, and what it can do on any of them: the largest context and
        output, the lowest prices.
      </p>
      <ModelsFilter form={props.form} problems={props.problems} />
      {props.problems.length > 0 ? null : (
        <>
          <p class="meta">{`${props.total} models`}</p>
          {props.models.length === 0 ? <p>No model matches.</p> : <ModelsTable models={props.models} />}
          <Pager page={props.page} pageCount={props.pageCount} href={href} label="Pages of models" />
        </>
      )}
    </Layout>
  )
}

function ModelsTable({ models }: { models: CatalogModel[] }) {
  return (
    <>
      <FactsLegend />
      <table class="cards" role="table">
        <caption class="sr-only">Models</caption>
        <TableHead columns={MODEL_COLUMNS} />
        <tbody>
          {models.map((model) => (
            <tr role="row" data-model={model.id}>
              <Cell label="Model" lead>
                <code>{model.id}</code>
              </Cell>
              <Cell label="Capabilities">
                <CapabilityBadges bits={model.capabilities} facts={model.facts} />
              </Cell>
              <Cell label="Context" numeric>
                <TokensFact fact={model.facts.context} what="Context" />
              </Cell>
              <Cell label="Output" numeric>
                <TokensFact fact={model.facts.output} what="Output" />
              </Cell>
              <Cell label="Price per 1M" numeric>
                <PriceFacts facts={model.facts} />
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
    </>
  )
}
