/**
 * `npm run catalog:coverage`: what the models.dev catalog adds, measured on the recorded listings.
 *
 * Every provider adapter lists its models from the fake providers (fixtures/providers/), as a cycle
 * would, and each model's facts are resolved twice: without the catalog (before) and with the
 * recorded catalog (fixtures/catalog/). Per backend type it prints the share of models with a
 * known context, output limit, tool calling, vision and input price, over all models and over
 * those the catalog matches, and checks that no unmatched model gained or changed a value.
 *
 * Then it runs the real refresh (src/catalog/refresh.ts) into Miniflare's KV from a local server
 * of the fixture, and prints what it stored and the refresh's wall and CPU time (Node's, the
 * closest stand-in for the Worker's CPU time on this machine).
 */
import { Log, LogLevel, Miniflare } from 'miniflare'
import { enrichModel } from '../src/catalog/enrich'
import { EMPTY_CATALOG } from '../src/catalog/match'
import { refreshCatalog } from '../src/catalog/refresh'
import { fixtureCatalog } from '../test/support/catalog'
import { wantedCatalogProviders } from '../src/catalog/wanted'
import { adapters } from '../src/providers'
import type { BackendType } from '../src/providers/types'
import type { ModelCatalogFacts } from '../src/published/types'
import { pullStatusFromObserved } from '../src/reconcile/merge'
import { memoryDetailCache } from '../test/support/providers'
import { generateTestKey, testServiceAccount } from '../test/support/vertex-google-key'
import { startFakeProviders } from '../test/fake-providers/server'
import { startCatalogServer } from './local/catalog-server'

type Facts = ModelCatalogFacts
const MEASURES: [string, (f: Facts) => boolean][] = [
  ['context', (f) => f.limits.context !== null],
  ['output', (f) => f.limits.output !== null],
  ['tools', (f) => f.capabilities.tools !== null],
  ['vision', (f) => f.capabilities.vision !== null],
  ['input price', (f) => f.pricing.input !== null],
]

async function credentials(fake: (provider: string, id: string) => string): Promise<Record<BackendType, string>> {
  const key = await generateTestKey()
  return {
    ollama: '',
    vllm: '',
    openai: 'sk-test-coverage-0000',
    openrouter: 'sk-test-or-0000',
    anthropic: 'sk-test-ant-0000',
    mistral: 'sk-test-mistral-0000',
    gemini: 'gm-test-0000',
    bedrock: JSON.stringify({
      access_key_id: 'ASIATESTFAKEKEYID000',
      secret_access_key: 'test-Zq8Kd2Lm9Xv4Rt7Wp3Ny',
      region: 'us-east-1',
    }),
    'vertex-google': testServiceAccount(key, `${fake('vertex', 'tok-coverage')}/token/${key.publicSpki}`),
  }
}

function baseUrl(fake: (provider: string, id: string) => string, type: BackendType): string {
  if (type === 'openai') return `${fake('openai', 'cov')}/v1`
  if (type === 'openrouter') return `${fake('openrouter', 'cov')}/api/v1`
  if (type === 'mistral') return `${fake('mistral', 'cov')}/v1`
  if (type === 'bedrock') return fake('bedrock', 'us-east-1.cov')
  if (type === 'vertex-google') return `${fake('vertex', 'cov')}/v1/projects/rs-test-project/locations/us-central1`
  return fake(type, 'cov')
}

const percent = (n: number, of: number) => (of === 0 ? '–' : `${Math.round((100 * n) / of)} %`)

async function coverage() {
  const server = await startFakeProviders()
  const fake = (provider: string, id: string) => `${server.url}/${provider}/ok/${id}`
  const secrets = await credentials(fake)
  const catalog = fixtureCatalog()
  const rows: string[] = []
  let invented = 0
  try {
    for (const type of Object.keys(adapters) as BackendType[]) {
      const adapter = adapters[type]
      const listing = await adapter.listModels({
        baseUrl: baseUrl(fake, type),
        credential: secrets[type] || undefined,
        fetch: (input, init) => fetch(input, init),
        signal: AbortSignal.timeout(10_000),
        deadlineAt: Date.now() + 10_000,
        now: () => Date.now(),
        detailCache: memoryDetailCache(),
        maxResponseBytes: 8 * 1024 * 1024,
      })
      const listed = listing.models.map(pullStatusFromObserved)
      const before = listed.map((m) => enrichModel(m, EMPTY_CATALOG, adapter.catalog))
      const after = listed.map((m) => enrichModel(m, catalog, adapter.catalog))
      const matched = after.flatMap((m, i) => (m.catalog ? [i] : []))
      for (const [i, m] of after.entries()) {
        if (m.catalog) continue
        const { catalog: _a, ...was } = before[i]!
        const { catalog: _b, ...is } = m
        if (JSON.stringify(was) !== JSON.stringify(is)) invented++
      }
      const share = (facts: Facts[], measure: (f: Facts) => boolean) => facts.filter(measure).length
      const cells = MEASURES.map(([, measure]) => {
        const all = `${percent(share(before, measure), listed.length)} → ${percent(share(after, measure), listed.length)}`
        const ofMatched = (facts: Facts[]) =>
          share(
            matched.map((i) => facts[i]!),
            measure,
          )
        const onMatched = `${percent(ofMatched(before), matched.length)} → ${percent(ofMatched(after), matched.length)}`
        return `${all} (${onMatched})`
      })
      rows.push(`| ${type} | ${listed.length} | ${matched.length} | ${cells.join(' | ')} |`)
    }
  } finally {
    await server.close()
  }
  console.log(
    'Share of listed models with a known value, before → after the catalog; in brackets, over the matched models only.\n',
  )
  console.log(`| type | models | matched | ${MEASURES.map(([name]) => name).join(' | ')} |`)
  console.log(`|---|---|---|${MEASURES.map(() => '---').join('|')}|`)
  for (const row of rows) console.log(row)
  console.log(`\nUnmatched models whose facts the catalog changed: ${invented}`)
}

async function refreshCost() {
  const catalogServer = await startCatalogServer()
  const mf = new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response(null, { status: 404 }) } }',
    kvNamespaces: ['KV'],
    cf: false,
    log: new Log(LogLevel.WARN),
  })
  try {
    const kv = (await mf.getKVNamespace('KV')) as unknown as KVNamespace
    const wanted = wantedCatalogProviders([])
    const settings = { CATALOG_URL: catalogServer.url, CATALOG_REFRESH_S: 60, MAX_RESPONSE_BYTES: 8 * 1024 * 1024 }
    const run = async (at: number) => {
      const cpu = process.cpuUsage()
      const started = performance.now()
      const { refresh } = await refreshCatalog({
        kv,
        fetch: (i, init) => fetch(i, init),
        now: () => new Date(at),
        settings,
        wanted,
      })
      const used = process.cpuUsage(cpu)
      return { outcome: refresh.outcome, wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 }
    }
    const first = await run(Date.parse('2026-12-08T00:00:00Z'))
    const second = await run(Date.parse('2026-12-08T00:02:00Z'))
    const listed = await kv.list({ prefix: 'catalog:' })
    let bytes = 0
    const sizes: string[] = []
    for (const key of listed.keys) {
      const value = (await kv.get(key.name)) ?? ''
      bytes += new TextEncoder().encode(value).byteLength
      sizes.push(`${key.name} ${(new TextEncoder().encode(value).byteLength / 1024).toFixed(1)} KiB`)
    }
    const fixtureBytes = (await (await fetch(catalogServer.url)).arrayBuffer()).byteLength
    console.log(
      `\nThe catalog in KV: ${listed.keys.length} values, ${(bytes / 1024).toFixed(1)} KiB in all (the source is ${(fixtureBytes / 1024).toFixed(1)} KiB)`,
    )
    for (const line of sizes) console.log(`  ${line}`)
    console.log('\n| refresh | outcome | wall | CPU (Node) |')
    console.log('|---|---|---|---|')
    console.log(`| first (200) | ${first.outcome} | ${first.wallMs.toFixed(0)} ms | ${first.cpuMs.toFixed(0)} ms |`)
    console.log(`| next (304) | ${second.outcome} | ${second.wallMs.toFixed(0)} ms | ${second.cpuMs.toFixed(0)} ms |`)
  } finally {
    await mf.dispose()
    await catalogServer.close()
  }
}

await coverage()
await refreshCost()
