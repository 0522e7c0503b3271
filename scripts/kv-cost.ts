/**
 * KV cost per day: `npm run kv:cost` (issue 15, "Fit the free plan's KV budget").
 *
 * Measures, does not estimate: the real SnapshotPublisher publishes to a real KV namespace (Miniflare's,
 * the one `wrangler dev` runs), wrapped to count every put, delete and list (the operations the
 * free plan allows 1 000 of a day) and get. For each fleet size in KV_COST_NS (default 20,100,2000)
 * and each scenario, on an empty namespace, it runs a first publish, then one simulated day of the
 * cron (KV_COST_CYCLE_S, default 300: 288 cycles) counting only that day:
 *
 * - quiet: nothing changes; every cycle's timestamps, latencies, uptime and model list times move,
 *   as a real cycle's do;
 * - hourly change: the same, and once an hour one backend (a different one each hour, in turn)
 *   starts or stops serving a model of its own, which changes its /state shard, its /providers
 *   chunk, the status pages' fleet view and the model lists.
 *
 * Each cycle does what the publish step does (src/reconcile/publish.ts): read the meta, then
 * SnapshotPublisher.publish with SNAPSHOT_HEARTBEAT_S (KV_COST_HEARTBEAT_S, default 900). vLLM backends
 * are not served from the model cache, so the snapshot is the cycle's only KV writer here.
 *
 * It prints one JSON line per run and a markdown table (the one in README.md, "KV cost per day").
 */
import { Log, LogLevel, Miniflare } from 'miniflare'
import { SnapshotPublisher } from '../src/reconcile/publish-snapshot'
import { backendState, servedModel } from '../test/support/published'
import type { BackendRuntimeState } from '../src/published/types'

const NS = (process.env.KV_COST_NS ?? '20,100,2000').split(',').map(Number)
const CYCLE_S = Number(process.env.KV_COST_CYCLE_S ?? 300)
const HEARTBEAT_S = Number(process.env.KV_COST_HEARTBEAT_S ?? 900)
const DAY_S = 24 * 3600
const START = Date.parse('2026-12-01T00:00:00.000Z')

const SCENARIOS = ['quiet', 'hourly change'] as const
type Scenario = (typeof SCENARIOS)[number]

interface Counts {
  puts: number
  deletes: number
  lists: number
  gets: number
}

/** The namespace, counting what it is asked. */
function counting(kv: KVNamespace, counts: Counts): KVNamespace {
  const counted: Partial<Record<PropertyKey, keyof Counts>> = {
    put: 'puts',
    delete: 'deletes',
    list: 'lists',
    get: 'gets',
    getWithMetadata: 'gets',
  }
  return new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        const counter = counted[prop]
        if (counter) counts[counter]++
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
}

const MODELS = [
  { id: 'meta-llama/Llama-3.1-8B-Instruct', contextLength: 131072 },
  { id: 'Qwen/Qwen2.5-7B-Instruct', contextLength: 32768 },
]

/** The fleet as a cycle at `t` (seconds into the run) publishes it; `extra` serve one model of their own. */
function fleetAt(n: number, t: number, extra: ReadonlySet<number>): BackendRuntimeState[] {
  const at = new Date(START + t * 1000).toISOString()
  const cycle = Math.round(t / CYCLE_S)
  return Array.from({ length: n }, (_, i) => {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
    const models = [...MODELS, ...(extra.has(i) ? [{ id: `own-model-${i}`, contextLength: 8192 }] : [])]
    const state = backendState(id, {
      name: `vllm-${String(i).padStart(4, '0')}`,
      pulledModels: models.map((m) =>
        servedModel(m.id, {
          contextLength: m.contextLength,
          firstSeenAt: new Date(START).toISOString(),
          observedAt: at,
        }),
      ),
      checkedAt: at,
      lastSuccessAt: at,
      latencyMs: 20 + ((i * 7 + cycle * 13) % 180),
      uptime: { '1h': 1, '24h': 1 - (cycle % 3) / 1000, '7d': 1 },
      latency24h: { p50Ms: 50, p95Ms: [100, 200][cycle % 2]! },
    })
    return { ...state, backend: { ...state.backend, baseUrl: `http://gpu-${i}.internal:8000`, type: 'vllm' } }
  })
}

async function run(kv: KVNamespace, n: number, scenario: Scenario) {
  const counts: Counts = { puts: 0, deletes: 0, lists: 0, gets: 0 }
  const store = new SnapshotPublisher(counting(kv, counts), { announce: () => {} })
  const extra = new Set<number>()
  let publishes = 0
  let heartbeats = 0
  let maxPublish = 0
  const cycle = async (t: number) => {
    if (scenario === 'hourly change' && t > 0 && t % 3600 === 0) {
      const changing = (t / 3600 - 1) % n
      if (!extra.delete(changing)) extra.add(changing)
    }
    const previous = await store.readMeta()
    const now = new Date(START + t * 1000)
    const decision = await store.publish({ backends: fleetAt(n, t, extra) }, previous, {
      now,
      heartbeatSeconds: HEARTBEAT_S,
      cycle: { startedAt: new Date(now.getTime() - 2000).toISOString(), durationMs: 2000, outcome: 'ok' },
    })
    return { decision, previous }
  }
  await cycle(0)
  const first = { ...counts }
  for (const key of Object.keys(counts) as (keyof Counts)[]) counts[key] = 0
  for (let t = CYCLE_S; t <= DAY_S; t += CYCLE_S) {
    const before = counts.puts + counts.deletes + counts.lists
    const { decision, previous } = await cycle(t)
    if (!decision.written) continue
    publishes++
    if (previous && 'contentHash' in previous && previous.contentHash === decision.meta!.contentHash) heartbeats++
    maxPublish = Math.max(maxPublish, counts.puts + counts.deletes + counts.lists - before)
  }
  return {
    n,
    scenario,
    cycles: DAY_S / CYCLE_S,
    firstPublish: first.puts + first.deletes + first.lists,
    publishes,
    heartbeats,
    ...counts,
    total: counts.puts + counts.deletes + counts.lists,
    maxPublish,
  }
}

async function main() {
  const namespaces = NS.flatMap((n) => SCENARIOS.map((s) => `KV_${n}_${s.replace(/\W/g, '_')}`))
  const mf = new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response(null, { status: 404 }) } }',
    kvNamespaces: namespaces,
    cf: false,
    log: new Log(LogLevel.WARN),
  })
  const rows: Awaited<ReturnType<typeof run>>[] = []
  try {
    for (const n of NS) {
      for (const scenario of SCENARIOS) {
        const kv = (await mf.getKVNamespace(`KV_${n}_${scenario.replace(/\W/g, '_')}`)) as unknown as KVNamespace
        const row = await run(kv, n, scenario)
        console.log(JSON.stringify({ msg: 'kv-cost', ...row }))
        rows.push(row)
      }
    }
  } finally {
    await mf.dispose()
  }
  const days = DAY_S / CYCLE_S
  console.log(
    `\nKV operations in one day: ${days} cycles (one every ${CYCLE_S} s), SNAPSHOT_HEARTBEAT_S=${HEARTBEAT_S}, after the first publish\n`,
  )
  console.log(
    '| backends | fleet | publishes (heartbeats) | puts | deletes | lists | puts + deletes + lists | most in one publish | first publish |',
  )
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|')
  for (const r of rows) {
    console.log(
      `| ${r.n} | ${r.scenario} | ${r.publishes} (${r.heartbeats}) | ${r.puts} | ${r.deletes} | ${r.lists} | **${r.total}** | ${r.maxPublish} | ${r.firstPublish} |`,
    )
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
