/** The fleet of fake vLLM backends, and one reconcile cycle over it. */
import { assert, inBatches } from '../bench-worker'
import { call } from './http'
import { CREATE_PARALLELISM, CYCLE_TIMEOUT_S, HOST, LONG_BACKENDS, LONG_CONTEXT, MODELS } from './settings'
import { checkStop, withTimeout } from './stop'
import type { CycleSummary } from './types'

/** What a fleet's backend `i` is declared as: the first LONG_BACKENDS serve long-context models. */
export function backendBody(fleet: Fleet, i: number, models = MODELS) {
  const options = `${i < LONG_BACKENDS ? `:ctx=${LONG_CONTEXT}` : ''}${fleet.delayMs > 0 ? `:delay=${fleet.delayMs}` : ''}`
  const tag = `${fleet.prefix}${i}`
  return { name: `bench-read-${tag}`, type: 'vllm', baseUrl: `${fleet.fakeUrl}/vllm/many-${models}${options}/${tag}` }
}

export interface Fleet {
  fakeUrl: string
  /** Backend names are `bench-read-<prefix><i>`; base URLs end in `<prefix><i>`, so every one is distinct. */
  prefix: string
  /** The fake's `:delay=`; 0: none. */
  delayMs: number
  /** Ids of backends 0, 1, …, in order. */
  ids: string[]
}

/** Declares the fleet's backends from its current size up to `to`; each id is also added to `created` at once. */
export async function declareBackends(base: URL, fleet: Fleet, to: number, created: string[]): Promise<void> {
  const from = fleet.ids.length
  const ids: string[] = []
  await inBatches(
    Array.from({ length: to - from }, (_, i) => from + i),
    CREATE_PARALLELISM,
    async (i) => {
      checkStop('declaring the fleet')
      const body = backendBody(fleet, i)
      const { status, json } = await call(base, 'POST', '/backends', { body })
      assert(status === 201, `POST /backends (${body.name}) answered ${status}: ${JSON.stringify(json)}`)
      ids[i - from] = (json as { id: string }).id
      created.push(ids[i - from]!)
    },
  )
  fleet.ids.push(...ids)
}

/**
 * Declares backend `i` (an ordinary one) as serving `models` models: one fewer than MODELS changes
 * its content, not the fleet's set of model ids (many-49 lists a subset of many-50).
 */
export async function setModels(base: URL, fleet: Fleet, i: number, models: number) {
  assert(i >= LONG_BACKENDS && i < fleet.ids.length, `backend ${i} is not an ordinary backend of the fleet`)
  const id = fleet.ids[i]!
  const { status, json } = await call(base, 'PUT', `/backends/${id}`, { body: backendBody(fleet, i, models) })
  assert(status === 200, `PUT /backends/${id} answered ${status}: ${JSON.stringify(json)}`)
}

/** The fake providers' own record of the requests they received (`/__calls`, `/__reset`). */
export async function fakeControl(fakeUrl: string, route: '/__calls' | '/__reset'): Promise<unknown> {
  const url = new URL(route, fakeUrl)
  assert(url.hostname === HOST, `refusing to send ${url.href}: the bench talks to ${HOST} only`)
  return withTimeout(30_000, async (signal) => {
    const response = await fetch(url, { method: route === '/__reset' ? 'POST' : 'GET', signal })
    assert(response.ok, `${route} on the fake providers answered ${response.status}`)
    return response.json()
  })
}

/** One cycle; checks that it probed each of the `n` backends once (the fakes count the requests). */
export async function runCycle(base: URL, n: number, fakeUrl: string) {
  await fakeControl(fakeUrl, '/__reset')
  const started = performance.now()
  const { status, json } = await call(base, 'POST', '/setup/refresh', { timeoutS: CYCLE_TIMEOUT_S })
  const wallMs = performance.now() - started
  const calls = (await fakeControl(fakeUrl, '/__calls')) as { path: string }[]
  const probed = new Set(calls.filter((c) => c.path.startsWith('/vllm/')).map((c) => c.path.split('/')[3]))
  const run = ((json as { run?: CycleSummary }).run ?? json) as CycleSummary
  assert(status === 200, `N=${n}: POST /setup/refresh answered ${status}: ${JSON.stringify(json).slice(0, 500)}`)
  assert(run.outcome === 'ok', `N=${n}: cycle outcome ${run.outcome}: ${run.error ?? JSON.stringify(run)}`)
  assert(run.backends === n, `N=${n}: the cycle saw ${run.backends} backends, expected ${n}`)
  assert(
    run.byStatus.healthy === n,
    `N=${n}: ${run.byStatus.healthy ?? 0} of ${n} backends healthy (byStatus ${JSON.stringify(run.byStatus)})`,
  )
  assert(
    probed.size === n,
    `N=${n}: the cycle probed ${probed.size} backends (${calls.length} requests), expected ${n}`,
  )
  return { wallMs, run }
}
