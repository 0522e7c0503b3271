import { CAPABILITIES, type Capability } from '../views/fleet'
import { CapabilityBadges, StatusBadge, contextLabel } from './badges'
import type { CatalogModel } from './catalog'
import { backendHref } from './fleet-page'
import { Layout } from './layout'
import { Pager, pageHref } from './pager'

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
        <label>
          Capability
          <select name="capability">
            <option value="">any</option>
            {CAPABILITIES.map((capability) => (
              <option value={capability} selected={props.capability === capability}>
                {capability}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary">
          Find
        </button>
        {props.query || props.capability ? <a href="/status/models">Clear</a> : null}
      </form>
      <p class="meta">{`${props.total} models`}</p>
      {props.models.length === 0 ? (
        <p>No model matches.</p>
      ) : (
        <table class="cards">
          <caption class="sr-only">Models</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Capabilities</th>
              <th scope="col" class="num">
                Context
              </th>
              <th scope="col">Served by</th>
            </tr>
          </thead>
          <tbody>
            {props.models.map((model) => (
              <tr data-model={model.id}>
                <td class="lead" data-label="Model">
                  <code>{model.id}</code>
                </td>
                <td data-label="Capabilities">
                  <CapabilityBadges bits={model.capabilities} />
                </td>
                <td class="num" data-label="Context">
                  {contextLabel(model.contextLength)}
                </td>
                <td data-label="Served by">
                  <ul class="served">
                    {model.backends.map((backend) => (
                      <li>
                        <a href={backendHref(backend.id)}>{backend.name}</a> <StatusBadge status={backend.status} />
                        {backend.stale ? <span class="muted"> stale</span> : null}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={props.page} pageCount={props.pageCount} href={href} label="Pages of models" />
    </Layout>
  )
}
