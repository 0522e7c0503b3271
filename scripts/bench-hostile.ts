/**
 * Hostile-backend benchmark: what one misbehaving backend costs a reconcile cycle and the requests
 * served beside it. Part of `npm run bench`; `npx tsx scripts/bench-hostile.ts` runs it alone.
 *
 * The real Worker (wrangler's deploy bundle) runs in workerd through Miniflare with the default
 * probe settings (PROBE_CONCURRENCY 5, PROBE_TIMEOUT_MS 10000). The fake providers and the database
 * (DATABASE_URL, else an in-memory PGlite) each run in a child process (scripts/bench-services.ts),
 * so that streaming 60 MiB or executing a query never stalls the event loop that measures.
 *
 * Each case declares 2 healthy vLLM fakes (`ok`) plus, except for `baseline`, one vLLM fake with
 * that hostile behaviour (test/fake-providers/hostile.ts: `huge-60` streams a valid 60 MiB list,
 * `junk-60` 60 MiB of non-JSON, `drip` a few bytes every 200 ms forever). After one unmeasured
 * warm-up cycle, each case runs BENCH_HOSTILE_RUNS cycles through `POST /setup/refresh` while
 * `GET /healthz` is polled every ~10 ms (one request in flight at a time), and reports per run
 * (a JSON line) and as the median of the runs (a markdown table):
 * - the backend's status / errorKind, from `GET /state` after the cycle;
 * - wall: the refresh as the caller saw it (request sent → summary read), in Node;
 * - durationMs: the cycle's own duration from the summary (the longer of the isolate's clock and
 *   Postgres's finished_at − started_at), and wall − durationMs;
 * - /healthz: how many were sent during the refresh, their max and p99 latency.
 *
 * Environment knobs: BENCH_HOSTILE_CASES="baseline,huge-60,junk-60,drip" (any behaviour of the fake
 * server, e.g. junk-5), BENCH_HOSTILE_RUNS=3, BENCH_VERBOSE=1.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { Log, LogLevel, Miniflare, type MiniflareOptions } from 'miniflare'
import {
  BenchError,
  adminCall,
  type Compatibility,
  type WorkerBundle,
  assert,
  bundleWorker,
  captureStdio,
  readCompatibility,
  root,
  workerOutput,
} from './bench-worker'

const CASES = (process.env.BENCH_HOSTILE_CASES ?? 'baseline,huge-60,junk-60,drip')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
const RUNS = Number(process.env.BENCH_HOSTILE_RUNS ?? 3)
const POLL_MS = 10
const HEALTHY_PER_CASE = 2
const PROBE_TIMEOUT_MS = 10_000
/** The Worker's ADMIN_TOKEN (a Worker started elsewhere, e.g. by `wrangler dev`, must be given it). */
export const ADMIN_TOKEN = `bench-${randomBytes(12).toString('hex')}`

interface ServiceProcess<T> {
  info: T
  stop: () => Promise<void>
}

export interface DatabaseInfo {
  databaseUrl: string
  wsProxy: string
  kind: 'pglite' | 'postgres'
}

/** Starts scripts/bench-services.ts <kind> in a child process and waits for its one JSON line. */
export async function startServiceProcess<T>(kind: 'fakes' | 'db'): Promise<ServiceProcess<T>> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'scripts/bench-services.ts'), kind],
    { cwd: root, stdio: ['pipe', 'pipe', 'inherit'], env: process.env },
  )
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const info = await new Promise<T>((resolve, reject) => {
    let text = ''
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      text += chunk
      const newline = text.indexOf('\n')
      if (newline < 0) return
      try {
        resolve(JSON.parse(text.slice(0, newline)) as T)
      } catch {
        reject(new BenchError(`bench-services ${kind} printed ${JSON.stringify(text.slice(0, 200))}`))
      }
    })
    child.once('error', reject)
    void exited.then((code) => reject(new BenchError(`bench-services ${kind} exited (${code}) before it was ready`)))
  })
  return {
    info,
    stop: async () => {
      if (child.exitCode !== null) return
      child.stdin!.end()
      const timer = setTimeout(() => child.kill('SIGKILL'), 8_000)
      await exited
      clearTimeout(timer)
    },
  }
}

interface BackendState {
  id: string
  name: string
  status: string
  errorKind?: string
  error?: string
}

interface RunSummary {
  outcome: string
  error?: string
  durationMs: number
  backends: number
  byStatus: Record<string, number>
}

export interface HostileRun {
  case: string
  run: number
  status: string
  errorKind?: string
  error?: string
  healthyOthers: number
  wallMs: number
  durationMs: number
  gapMs: number
  healthzCount: number
  healthzMaxMs: number
  healthzP99Ms: number
  /** When the slowest /healthz was sent, from the refresh's start. */
  healthzMaxAtMs: number
  /** The measuring (Node) event loop's worst delay during the run: what of the latencies is Node's own. */
  nodeLoopMaxMs: number
}

class Api {
  constructor(readonly base: URL) {}

  call(method: string, route: string, body?: unknown) {
    return adminCall((url, init) => fetch(url, init), new URL(route, this.base).href, ADMIN_TOKEN, method, body)
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** One refresh with /healthz polled beside it; reports `ids.hostile`'s state (the first healthy one's in the baseline). */
async function measure(api: Api, caseName: string, run: number, ids: { hostile?: string; healthy: string[] }) {
  const loop = monitorEventLoopDelay({ resolution: 1 })
  const polls: { at: number; ms: number }[] = []
  let refreshing = true
  // Read through a call: it turns false while the poller awaits, which a narrowed variable would not show.
  const stillRefreshing = () => refreshing
  loop.enable()
  const started = performance.now()
  const poller = (async () => {
    while (stillRefreshing()) {
      const sent = performance.now()
      const response = await fetch(new URL('/healthz', api.base))
      await response.arrayBuffer()
      assert(response.status === 200, `GET /healthz answered ${response.status}`)
      polls.push({ at: sent - started, ms: performance.now() - sent })
      const wait = sent + POLL_MS - performance.now()
      if (wait > 0 && stillRefreshing()) await sleep(wait)
    }
  })()
  let wallMs: number
  let status: number
  let json: unknown
  let pollError: unknown
  try {
    ;({ status, json } = await api.call('POST', '/setup/refresh'))
    wallMs = performance.now() - started
  } finally {
    refreshing = false
    await poller.catch((error: unknown) => (pollError = error))
    loop.disable()
  }
  if (pollError)
    throw pollError instanceof Error ? pollError : new Error('the /healthz poller failed', { cause: pollError })
  const summary = ((json as { run?: RunSummary }).run ?? json) as RunSummary
  assert(status === 200, `${caseName}: POST /setup/refresh answered ${status}: ${JSON.stringify(json)}`)
  assert(summary.outcome === 'ok', `${caseName}: cycle outcome ${summary.outcome}: ${summary.error ?? ''}`)

  const state = await api.call('GET', '/state')
  assert(state.status === 200, `${caseName}: GET /state answered ${state.status}`)
  const backends = state.json as BackendState[]
  const byId = new Map(backends.map((b) => [b.id, b]))
  const reported = byId.get(ids.hostile ?? ids.healthy[0]!)
  assert(reported, `${caseName}: the snapshot lacks the measured backend`)

  const during = polls.filter((p) => p.at < wallMs)
  const latencies = during.map((p) => p.ms).sort((a, b) => a - b)
  const slowest = during.reduce((a, b) => (b.ms > a.ms ? b : a), { at: 0, ms: 0 })
  const result: HostileRun = {
    case: caseName,
    run,
    status: reported.status,
    ...(reported.errorKind ? { errorKind: reported.errorKind } : {}),
    ...(reported.error ? { error: reported.error } : {}),
    healthyOthers: ids.healthy.filter((id) => byId.get(id)?.status === 'healthy').length,
    wallMs: round(wallMs),
    durationMs: summary.durationMs,
    gapMs: round(wallMs - summary.durationMs),
    healthzCount: during.length,
    healthzMaxMs: round(latencies.at(-1) ?? 0),
    healthzP99Ms: round(percentile(latencies, 99)),
    healthzMaxAtMs: round(slowest.at),
    nodeLoopMaxMs: round(loop.max / 1e6),
  }
  return result
}

async function declare(api: Api, name: string, baseUrl: string): Promise<string> {
  const { status, json } = await api.call('POST', '/backends', { name, type: 'vllm', baseUrl })
  assert(status === 201, `POST /backends (${name}) answered ${status}: ${JSON.stringify(json)}`)
  return (json as { id: string }).id
}

async function runCase(api: Api, fakeUrl: string, caseName: string, runs: number): Promise<HostileRun[]> {
  const tag = caseName.replace(/[^a-z0-9-]/gi, '')
  const created: string[] = []
  try {
    const healthy: string[] = []
    for (let i = 0; i < HEALTHY_PER_CASE; i++) {
      healthy.push(await declare(api, `hostile-${tag}-ok${i}`, `${fakeUrl}/vllm/ok/${tag}-ok${i}`))
      created.push(healthy.at(-1)!)
    }
    let hostile: string | undefined
    if (caseName !== 'baseline') {
      hostile = await declare(api, `hostile-${tag}`, `${fakeUrl}/vllm/${caseName}/${tag}`)
      created.push(hostile)
    }
    const warm = await measure(api, caseName, 0, { hostile, healthy })
    console.error(`bench-hostile: ${caseName}: warm-up cycle ${warm.wallMs} ms (not measured)`)
    const results: HostileRun[] = []
    for (let run = 1; run <= runs; run++) {
      const result = await measure(api, caseName, run, { hostile, healthy })
      console.log(JSON.stringify({ bench: 'hostile-backend', ...result }))
      results.push(result)
    }
    return results
  } finally {
    for (const id of created) {
      const { status } = await api.call('DELETE', `/backends/${id}`)
      if (status !== 200) console.error(`bench-hostile: DELETE /backends/${id} answered ${status}`)
    }
  }
}

const ms = (value: number) => `${Math.round(value)} ms`

export function printHostileTable(results: HostileRun[], runs: number, cases = CASES, where = 'Miniflare') {
  const header = [
    'case',
    'backend status / errorKind',
    'others healthy',
    'refresh wall (caller)',
    'cycle durationMs',
    'wall − durationMs',
    '/healthz during cycle',
    '/healthz max',
    '/healthz p99',
  ]
  const lines: string[][] = []
  for (const name of cases) {
    const rows = results.filter((r) => r.case === name)
    if (rows.length === 0) continue
    const statuses = [...new Set(rows.map((r) => (r.errorKind ? `${r.status} / ${r.errorKind}` : r.status)))]
    const others = [...new Set(rows.map((r) => `${r.healthyOthers}/${HEALTHY_PER_CASE}`))]
    const med = (pick: (r: HostileRun) => number) => median(rows.map(pick))
    lines.push([
      name,
      statuses.join(', '),
      others.join(', '),
      ms(med((r) => r.wallMs)),
      ms(med((r) => r.durationMs)),
      ms(med((r) => r.gapMs)),
      String(Math.round(med((r) => r.healthzCount))),
      ms(med((r) => r.healthzMaxMs)),
      ms(med((r) => r.healthzP99Ms)),
    ])
  }
  console.log('')
  console.log(
    `Hostile backends: one vLLM fake with the case's behaviour + ${HEALTHY_PER_CASE} healthy ones, ` +
      `POST /setup/refresh with GET /healthz polled every ~${POLL_MS} ms ` +
      `(median of ${runs} runs; ${where}, PROBE_TIMEOUT_MS ${PROBE_TIMEOUT_MS}, MAX_RESPONSE_BYTES 8 MiB)`,
  )
  console.log('')
  console.log(`| ${header.join(' | ')} |`)
  console.log(`|${header.map((_, i) => (i < 3 ? ' --- ' : ' ---: ')).join('|')}|`)
  for (const l of lines) console.log(`| ${l.join(' | ')} |`)
  const lag = Math.max(...results.map((r) => r.nodeLoopMaxMs))
  console.log('')
  console.log(
    `(Node's own event-loop delay in the measuring process peaked at ${ms(lag)} over all runs; ` +
      'the fake providers and the database ran in child processes.)',
  )
  console.log('')
}

export interface HostileBenchOptions {
  script: WorkerBundle
  compat: Compatibility
  cases?: string[]
  runs?: number
  /** Extra Miniflare options (e.g. inspectorPort), for experiments. */
  miniflare?: Partial<MiniflareOptions>
  /** Called once the Worker is ready, before the first case (e.g. to attach an inspector client). */
  onReady?: (mf: Miniflare) => Promise<void>
}

/** Starts the services and the Worker, runs every case, prints the table; stops everything it started. */
export async function runHostileBench(options: HostileBenchOptions): Promise<HostileRun[]> {
  const cleanups: (() => Promise<unknown>)[] = []
  try {
    const startedAt = performance.now()
    const [fakes, db] = await Promise.all([
      startServiceProcess<{ url: string }>('fakes'),
      startServiceProcess<DatabaseInfo>('db'),
    ])
    cleanups.push(fakes.stop, db.stop)
    const mf = new Miniflare({
      modules: [{ type: 'ESModule', path: options.script.path, contents: options.script.contents }],
      modulesRoot: path.dirname(options.script.path),
      ...options.compat,
      kvNamespaces: ['KV'],
      cf: false,
      log: new Log(LogLevel.WARN),
      handleRuntimeStdio: captureStdio('hostile'),
      bindings: workerBindings(db.info),
      ...options.miniflare,
    } as MiniflareOptions)
    cleanups.push(() => mf.dispose())
    const base = await mf.ready
    await options.onReady?.(mf)
    console.error(
      `bench-hostile: ${db.info.kind === 'postgres' ? 'Postgres at DATABASE_URL' : 'embedded PGlite'} and fake ` +
        `providers at ${fakes.info.url} in child processes, Worker at ${base.origin}, ` +
        `setup ${ms(performance.now() - startedAt)}`,
    )
    return await runCases(base, fakes.info.url, options.cases, options.runs)
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup()
      } catch (error) {
        console.error(`bench-hostile: cleanup failed: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }
}

/** The Worker's settings: the database, the admin token and the default probe timeout. */
export function workerBindings(db: DatabaseInfo): Record<string, string> {
  return {
    DATABASE_URL: db.databaseUrl,
    NEON_WS_PROXY: db.wsProxy,
    ADMIN_TOKEN,
    PROBE_TIMEOUT_MS: String(PROBE_TIMEOUT_MS),
  }
}

/** Runs every case against a Worker at `base` (declaring no backends of its own), then prints the table. */
export async function runCases(
  base: URL,
  fakeUrl: string,
  cases = CASES,
  runs = RUNS,
  where = 'Miniflare',
): Promise<HostileRun[]> {
  const api = new Api(base)
  const existing = await api.call('GET', '/backends')
  assert(existing.status === 200, `GET /backends answered ${existing.status}: ${JSON.stringify(existing.json)}`)
  assert(
    (existing.json as unknown[]).length === 0,
    `the database already declares ${(existing.json as unknown[]).length} backends; the bench needs an empty one`,
  )
  const results: HostileRun[] = []
  for (const name of cases) results.push(...(await runCase(api, fakeUrl, name, runs)))
  printHostileTable(results, runs, cases, where)
  return results
}

// `npx tsx scripts/bench-hostile.ts` runs this section alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'runtimestate-bench-hostile-'))
  try {
    const [script, compat] = await Promise.all([bundleWorker(tmp), readCompatibility()])
    await runHostileBench({ script, compat })
  } catch (error) {
    process.exitCode = 1
    console.error(
      `\nbench-hostile FAILED: ${error instanceof Error ? (error instanceof BenchError ? error.message : error.stack) : String(error)}`,
    )
    if (workerOutput.length > 0) {
      console.error('\nlast Worker output:')
      for (const line of workerOutput.slice(-40)) console.error(`  ${line}`)
    }
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
}
