/**
 * Read benchmark: `npm run bench:read` (issue 8, "A read benchmark").
 *
 * The real Worker (wrangler's deploy bundle, as in `npm run bench`) runs in workerd through
 * Miniflare, its entry socket exposed on a real port of 127.0.0.1, so that a real HTTP load
 * generator (autocannon, in this process) can hit it. The fake providers and the database
 * (DATABASE_URL, else an in-memory PGlite) each run in a child process (scripts/bench-services.ts).
 *
 * For each N in BENCH_READ_NS (default 100,2000) it declares N vLLM backends (fake `many-50`: 50
 * models each, every base URL distinct; bounded parallel admin calls), runs one reconcile cycle
 * (`POST /setup/refresh`), checks every read once (status, shape, size) and then load-tests, at
 * each of BENCH_READ_CONNECTIONS (default 20,200) concurrent connections, for BENCH_READ_DURATION_S
 * each, with the read token:
 *
 *   /healthz  /state  /state + If-None-Match (the ETag of a first GET)  /state/:id (a real id)
 *   /providers?capability=chat&minContext=4096  /models  /v1/models
 *
 * After every run it times how long a fresh `GET /healthz` takes to answer (the Worker may still
 * be working through what the run left queued), and samples workerd's resident memory during it.
 * It prints one JSON line per run and, per N, a markdown table: requests/s, p50, p99, errors and
 * timeouts, unexpected statuses, the ratio of requests/s and of p99 to /healthz's in the same
 * run (same N, same connections), /healthz's answer time afterwards and workerd's peak RSS.
 *
 * Environment knobs:
 *   BENCH_READ_NS="100,2000"        fleet sizes (backends), built up in increasing order
 *   BENCH_READ_MODELS=50            models per backend (the fake's many-<n>)
 *   BENCH_READ_CONNECTIONS="20,200" concurrent connections
 *   BENCH_READ_DURATION_S=4         seconds per route and connection count
 *   BENCH_READ_ROUTES=              a comma-separated subset of the route names in the table (healthz always runs)
 *   BENCH_READ_TIMEOUT_S=10         autocannon's per-request timeout
 *   BENCH_READ_RECOVER_S=60         how long to wait for /healthz after a run before going on
 *   BENCH_READ_PAUSE_MS=250         pause between runs
 *   BENCH_READ_CYCLE_TIMEOUT_S=300  time limit for one POST /setup/refresh
 *   BENCH_READ_DEADLINE_S=900       the whole bench stops (and fails) past this
 *   BENCH_READ_PORT=0               the Worker's port on 127.0.0.1 (0: any free port)
 *   BENCH_READ_MAX_RSS_MIB=6144     a run is stopped early when workerd's resident memory passes this
 *   BENCH_VERBOSE=1                 echo the Worker's own log lines
 */
import { randomBytes } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import { Log, LogLevel, Miniflare } from 'miniflare'
import { ADMIN_TOKEN, type DatabaseInfo, startServiceProcess, workerBindings } from './bench-hostile'
import {
  BenchError,
  type Compatibility,
  type WorkerBundle,
  assert,
  bundleWorker,
  captureStdio,
  inBatches,
  readCompatibility,
  workerOutput,
} from './bench-worker'

function badSetting(message: string): never {
  console.error(`bench-read: ${message}`)
  process.exit(2)
}

function envList(name: string, fallback: string): number[] {
  const raw = process.env[name] || fallback
  const values = raw.split(',').map((s) => Number(s.trim()))
  if (values.some((v) => !Number.isInteger(v) || v <= 0))
    badSetting(`${name}="${raw}": expected comma-separated positive integers`)
  return values
}

function envNumber(name: string, fallback: number, { min = 0 } = {}): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < min) badSetting(`${name}="${raw}": expected a number ≥ ${min}`)
  return value
}

const NS = [...new Set(envList('BENCH_READ_NS', '100,2000'))].sort((a, b) => a - b)
const MODELS = envNumber('BENCH_READ_MODELS', 50, { min: 1 })
const CONNECTIONS = envList('BENCH_READ_CONNECTIONS', '20,200')
const DURATION_S = envNumber('BENCH_READ_DURATION_S', 4, { min: 1 })
const TIMEOUT_S = envNumber('BENCH_READ_TIMEOUT_S', 10, { min: 1 })
const RECOVER_S = envNumber('BENCH_READ_RECOVER_S', 60, { min: 1 })
const PAUSE_MS = envNumber('BENCH_READ_PAUSE_MS', 250)
const CYCLE_TIMEOUT_S = envNumber('BENCH_READ_CYCLE_TIMEOUT_S', 300, { min: 1 })
const DEADLINE_S = envNumber('BENCH_READ_DEADLINE_S', 900, { min: 10 })
const PORT = envNumber('BENCH_READ_PORT', 0)
const MAX_RSS_MIB = envNumber('BENCH_READ_MAX_RSS_MIB', 6144, { min: 256 })
const ROUTE_FILTER = (process.env.BENCH_READ_ROUTES ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
/** The Worker's READ_TOKEN; every read (and /healthz, which ignores it) is sent with it. */
const READ_TOKEN = `bench-read-${randomBytes(12).toString('hex')}`
/** Backend creation requests in flight at once, as in scripts/bench.ts. */
const CREATE_PARALLELISM = 8
const HOST = '127.0.0.1'
const PROVIDERS_QUERY = '/providers?capability=chat&minContext=4096'

/** One route as load-tested: what it sends and the one status every answer must have. */
interface Route {
  name: string
  path: string
  headers?: Record<string, string>
  expect: 200 | 304
  /** Bytes of one answer's body (from the check before the runs). */
  bytes: number
  /** What the answer held (e.g. "100 backends"), for the table's caption. */
  holds: string
}

interface RunResult {
  n: number
  connections: number
  route: string
  path: string
  durationS: number
  requests: number
  rps: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Connection errors other than timeouts. */
  errors: number
  timeouts: number
  /** Answers whose status was not the route's `expect`, by status. */
  unexpected: Record<string, number>
  unexpectedCount: number
  /** Sent but neither answered nor failed when the run stopped. */
  unanswered: number
  /** How long a fresh GET /healthz took to answer right after the run; null: not within BENCH_READ_RECOVER_S. */
  healthzAfterMs: number | null
  workerdPeakRssMiB: number | null
  /** This (the measuring) process's worst event-loop delay during the run. */
  nodeLoopMaxMs: number
  /** Why the run was stopped before BENCH_READ_DURATION_S, if it was. */
  stoppedEarly?: string
}

interface CycleSummary {
  outcome: string
  error?: string
  durationMs: number
  backends: number
  byStatus: Record<string, number>
  kvWrites?: number
  snapshotWritten?: boolean
}

// ---- deadline: the bench stops by itself ----

const benchStarted = performance.now()
let deadlineHit = false
let currentCannon: autocannon.Instance | undefined

const deadlineTimer = setTimeout(() => {
  deadlineHit = true
  console.error(`bench-read: BENCH_READ_DEADLINE_S=${DEADLINE_S} reached; stopping`)
  currentCannon?.stop()
}, DEADLINE_S * 1000)
deadlineTimer.unref()
// Last resort if cleanup itself hangs: the child services stop when this process's pipes close.
const hardStop = setTimeout(
  () => {
    console.error('bench-read: still running 60 s past the deadline; exiting')
    process.exit(1)
  },
  (DEADLINE_S + 60) * 1000,
)
hardStop.unref()

function checkDeadline(step: string) {
  if (deadlineHit) throw new BenchError(`stopped at the deadline (BENCH_READ_DEADLINE_S=${DEADLINE_S}) before ${step}`)
}

// ---- HTTP helpers (plain fetch to 127.0.0.1, every call with a time limit) ----

async function call(
  base: URL,
  method: string,
  route: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; timeoutS?: number } = {},
) {
  const url = new URL(route, base)
  assert(url.hostname === HOST, `refusing to send ${url.href}: the bench talks to ${HOST} only`)
  let response: Response
  try {
    response = await fetch(url, {
      method,
      headers: {
        Authorization: `Bearer ${options.token ?? ADMIN_TOKEN}`,
        ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(Math.ceil((options.timeoutS ?? 60) * 1000)),
    })
  } catch (error) {
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${options.timeoutS ?? 60} s`
        : String(error)
    throw new BenchError(`${method} ${route}: ${reason}`)
  }
  const text = await response.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = text
  }
  return { status: response.status, json, headers: response.headers, bytes: Buffer.byteLength(text) }
}

/**
 * Time until a fresh GET /healthz answers 200, polling until BENCH_READ_RECOVER_S; null (with what
 * the last attempt met) if it never did.
 */
async function healthzAnswerTime(base: URL): Promise<{ ms: number | null; last?: string }> {
  const started = performance.now()
  const until = started + RECOVER_S * 1000
  let last: string | undefined
  while (performance.now() < until) {
    try {
      const response = await fetch(new URL('/healthz', base), {
        signal: AbortSignal.timeout(Math.max(1, Math.ceil(until - performance.now()))),
      })
      await response.arrayBuffer()
      if (response.status === 200) return { ms: performance.now() - started }
      last = `status ${response.status}`
    } catch (error) {
      // refused, reset or timed out: try again until the limit
      last = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    }
    await sleep(25)
  }
  return { ms: null, last }
}

// ---- workerd's memory, from /proc (Linux) ----

/** Pids of the workerd processes Miniflare started (children of this process). */
function workerdPids(): number[] {
  const pids: number[] = []
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return pids
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const close = stat.lastIndexOf(')')
      const comm = stat.slice(stat.indexOf('(') + 1, close)
      const ppid = Number(stat.slice(close + 2).split(' ')[1])
      if (comm.startsWith('workerd') && ppid === process.pid) pids.push(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return pids
}

function rssMiB(pids: number[]): number | null {
  let kib = 0
  let found = false
  for (const pid of pids) {
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (match) {
        kib += Number(match[1])
        found = true
      }
    } catch {
      // gone
    }
  }
  return found ? kib / 1024 : null
}

/** Samples workerd's RSS every 200 ms until stopped; returns the peak (MiB). Calls `over` once past the cap. */
function sampleRss(pids: number[], over: (mib: number) => void) {
  let peak: number | null = rssMiB(pids)
  let told = false
  const timer = setInterval(() => {
    const now = rssMiB(pids)
    if (now !== null) peak = Math.max(peak ?? 0, now)
    if (now !== null && now > MAX_RSS_MIB && !told) {
      told = true
      over(now)
    }
  }, 200)
  return () => {
    clearInterval(timer)
    const now = rssMiB(pids)
    if (now !== null) peak = Math.max(peak ?? 0, now)
    return peak
  }
}

// ---- fleet and cycle ----

async function declareBackends(base: URL, fakeUrl: string, from: number, to: number): Promise<string[]> {
  const ids: string[] = []
  await inBatches(
    Array.from({ length: to - from }, (_, i) => from + i),
    CREATE_PARALLELISM,
    async (i) => {
      checkDeadline('declaring the fleet')
      const { status, json } = await call(base, 'POST', '/backends', {
        body: { name: `bench-read-b${i}`, type: 'vllm', baseUrl: `${fakeUrl}/vllm/many-${MODELS}/b${i}` },
      })
      assert(status === 201, `POST /backends (b${i}) answered ${status}: ${JSON.stringify(json)}`)
      ids.push((json as { id: string }).id)
    },
  )
  return ids
}

async function runCycle(base: URL, n: number) {
  const started = performance.now()
  const { status, json } = await call(base, 'POST', '/setup/refresh', { timeoutS: CYCLE_TIMEOUT_S })
  const wallMs = performance.now() - started
  const run = ((json as { run?: CycleSummary }).run ?? json) as CycleSummary
  assert(status === 200, `N=${n}: POST /setup/refresh answered ${status}: ${JSON.stringify(json).slice(0, 500)}`)
  assert(run.outcome === 'ok', `N=${n}: cycle outcome ${run.outcome}: ${run.error ?? JSON.stringify(run)}`)
  assert(run.backends === n, `N=${n}: the cycle saw ${run.backends} backends, expected ${n}`)
  assert(
    run.byStatus.healthy === n,
    `N=${n}: ${run.byStatus.healthy ?? 0} of ${n} backends healthy (byStatus ${JSON.stringify(run.byStatus)})`,
  )
  return { wallMs, run }
}

/** Reads every route once with the read token: checks status and shape, takes the ETag and a real id. */
async function prepareRoutes(base: URL, n: number): Promise<Route[]> {
  const read = (route: string, headers?: Record<string, string>) =>
    call(base, 'GET', route, { token: READ_TOKEN, headers, timeoutS: 120 })
  const size = (bytes: number) =>
    bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`

  const healthz = await read('/healthz')
  assert(healthz.status === 200, `GET /healthz answered ${healthz.status}`)

  const state = await read('/state')
  assert(state.status === 200, `GET /state answered ${state.status}: ${JSON.stringify(state.json).slice(0, 300)}`)
  const backends = state.json as { id: string; status: string; pulledModels?: unknown[] }[]
  assert(
    Array.isArray(backends) && backends.length === n,
    `GET /state listed ${backends.length} backends, expected ${n}`,
  )
  const healthy = backends.filter((b) => b.status === 'healthy').length
  assert(healthy === n, `GET /state: ${healthy} of ${n} backends healthy`)
  const etag = state.headers.get('etag')
  assert(etag, 'GET /state sent no ETag')

  const notModified = await read('/state', { 'If-None-Match': etag })
  assert(
    notModified.status === 304,
    `GET /state with If-None-Match ${etag} answered ${notModified.status}, expected 304`,
  )

  const id = backends[Math.floor(n / 2)]!.id
  const one = await read(`/state/${id}`)
  assert(one.status === 200, `GET /state/${id} answered ${one.status}`)
  assert((one.json as { id?: string }).id === id, `GET /state/${id} answered another backend`)
  const models = (one.json as { pulledModels?: unknown[] }).pulledModels?.length ?? 0

  const providers = await read(PROVIDERS_QUERY)
  assert(providers.status === 200, `GET ${PROVIDERS_QUERY} answered ${providers.status}`)
  const entries = (providers.json as unknown[]).length
  assert(entries > 0, `GET ${PROVIDERS_QUERY} matched nothing: the filter would measure an empty answer`)

  const merged = await read('/models')
  assert(merged.status === 200, `GET /models answered ${merged.status}`)
  const openai = await read('/v1/models')
  assert(openai.status === 200, `GET /v1/models answered ${openai.status}`)

  const routes: Route[] = [
    { name: '/healthz', path: '/healthz', expect: 200, bytes: healthz.bytes, holds: '' },
    { name: '/state', path: '/state', expect: 200, bytes: state.bytes, holds: `${n} backends` },
    {
      name: '/state 304',
      path: '/state',
      headers: { 'If-None-Match': etag },
      expect: 304,
      bytes: 0,
      holds: 'If-None-Match',
    },
    { name: '/state/:id', path: `/state/${id}`, expect: 200, bytes: one.bytes, holds: `${models} models` },
    { name: PROVIDERS_QUERY, path: PROVIDERS_QUERY, expect: 200, bytes: providers.bytes, holds: `${entries} entries` },
    {
      name: '/models',
      path: '/models',
      expect: 200,
      bytes: merged.bytes,
      holds: `${(merged.json as unknown[]).length} models`,
    },
    {
      name: '/v1/models',
      path: '/v1/models',
      expect: 200,
      bytes: openai.bytes,
      holds: `${(openai.json as { data: unknown[] }).data.length} models`,
    },
  ]
  console.error(
    `bench-read: N=${n}: bodies ${routes
      .filter((r) => r.bytes > 0)
      .map((r) => `${r.name} ${size(r.bytes)}${r.holds ? ` (${r.holds})` : ''}`)
      .join(', ')}`,
  )
  return routes.filter((r) => r.name === '/healthz' || ROUTE_FILTER.length === 0 || ROUTE_FILTER.includes(r.name))
}

// ---- load ----

function cannon(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    currentCannon = autocannon(options, (error, result) => {
      currentCannon = undefined
      if (error) reject(error instanceof Error ? error : new BenchError(String(error)))
      else resolve(result)
    })
  })
}

async function loadRoute(base: URL, route: Route, n: number, connections: number, pids: number[]): Promise<RunResult> {
  checkDeadline(`${route.name} at N=${n}, ${connections} connections`)
  const url = new URL(route.path, base)
  assert(url.hostname === HOST, `refusing to load ${url.href}: the bench talks to ${HOST} only`)
  const loop = monitorEventLoopDelay({ resolution: 5 })
  loop.enable()
  let stoppedEarly: string | undefined
  const stopRss = sampleRss(pids, (mib) => {
    stoppedEarly = `workerd RSS ${Math.round(mib)} MiB passed BENCH_READ_MAX_RSS_MIB=${MAX_RSS_MIB}`
    console.error(`bench-read: ${stoppedEarly}; stopping the ${route.name} run early`)
    currentCannon?.stop()
  })
  let result: autocannon.Result
  try {
    result = await cannon({
      url: url.href,
      connections,
      duration: DURATION_S,
      timeout: TIMEOUT_S,
      headers: { Authorization: `Bearer ${READ_TOKEN}`, ...route.headers },
    })
  } finally {
    loop.disable()
  }
  const healthz = await healthzAnswerTime(base)
  if (healthz.ms === null) {
    console.error(
      `bench-read: the Worker did not answer /healthz within ${RECOVER_S} s of ${route.name} at N=${n}, ` +
        `${connections} connections (last attempt: ${healthz.last}); the next runs may be affected`,
    )
  }
  const healthzAfterMs = healthz.ms
  const workerdPeakRssMiB = stopRss()
  const unexpected: Record<string, number> = {}
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    if (Number(code) !== route.expect && stats.count) unexpected[code] = stats.count
  }
  const unexpectedCount = Object.values(unexpected).reduce((a, b) => a + b, 0)
  const requests = result.requests.total
  return {
    n,
    connections,
    route: route.name,
    path: route.path,
    durationS: result.duration,
    requests,
    rps: result.duration > 0 ? requests / result.duration : 0,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    unexpected,
    unexpectedCount,
    unanswered: Math.max(0, result.requests.sent - requests - result.errors),
    healthzAfterMs: healthzAfterMs === null ? null : Math.round(healthzAfterMs),
    workerdPeakRssMiB: workerdPeakRssMiB === null ? null : Math.round(workerdPeakRssMiB),
    nodeLoopMaxMs: Math.round(loop.max / 1e6),
    ...(stoppedEarly ? { stoppedEarly } : deadlineHit ? { stoppedEarly: 'the deadline' } : {}),
  }
}

// ---- report ----

const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`)
const fmtRatio = (value: number) =>
  Number.isFinite(value) ? `${value < 0.1 ? value.toFixed(3) : value.toFixed(2)}×` : '—'
const fmtRps = (rps: number) => (rps >= 100 ? String(Math.round(rps)) : rps.toFixed(1))

function printTable(n: number, routes: Route[], results: RunResult[], cycle: { wallMs: number; run: CycleSummary }) {
  const header = [
    'route',
    'connections',
    'requests/s',
    'p50',
    'p99',
    'errors + timeouts',
    'unexpected status',
    'requests/s ÷ /healthz',
    'p99 ÷ /healthz p99',
    '/healthz answers after',
    'workerd RSS peak',
  ]
  console.log('')
  console.log(
    `### Reads at N = ${n} vLLM backends × ${MODELS} models (${DURATION_S} s per run, autocannon timeout ${TIMEOUT_S} s)`,
  )
  console.log('')
  console.log(
    `Cycle before the runs: ${fmtMs(cycle.wallMs)} wall, durationMs ${cycle.run.durationMs}` +
      `${cycle.run.kvWrites === undefined ? '' : `, ${cycle.run.kvWrites} KV writes`}. Bodies: ` +
      routes
        .filter((r) => r.bytes > 0)
        .map((r) => `${r.name} ${(r.bytes / 1024).toFixed(1)} KiB${r.holds ? ` (${r.holds})` : ''}`)
        .join(', ') +
      '.',
  )
  console.log('')
  console.log(`| ${header.join(' | ')} |`)
  console.log(`|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`)
  for (const connections of CONNECTIONS) {
    const floor = results.find((r) => r.n === n && r.connections === connections && r.route === '/healthz')
    for (const route of routes) {
      const r = results.find((x) => x.n === n && x.connections === connections && x.route === route.name)
      if (!r) continue
      const unexpected = Object.entries(r.unexpected)
        .map(([code, count]) => `${count}× ${code}`)
        .join(', ')
      console.log(
        `| ${[
          `\`${route.name}\``,
          String(connections),
          fmtRps(r.rps),
          fmtMs(r.p50Ms),
          fmtMs(r.p99Ms),
          `${r.errors} + ${r.timeouts}`,
          unexpected || '0',
          floor ? fmtRatio(r.rps / floor.rps) : '—',
          floor ? fmtRatio(r.p99Ms / Math.max(1, floor.p99Ms)) : '—',
          r.healthzAfterMs === null ? `> ${RECOVER_S} s` : fmtMs(r.healthzAfterMs),
          r.workerdPeakRssMiB === null ? '—' : `${r.workerdPeakRssMiB} MiB`,
        ].join(' | ')} |`,
      )
    }
  }
  const notes = results.filter((r) => r.n === n && r.stoppedEarly)
  if (notes.length > 0) {
    console.log('')
    for (const r of notes) {
      console.log(`- ${r.route} at ${r.connections} connections stopped after ${r.durationS} s: ${r.stoppedEarly}`)
    }
  }
  console.log('')
}

// ---- main ----

async function main() {
  const cleanups: (() => Promise<unknown>)[] = []
  const results: RunResult[] = []
  let failed = false
  try {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'runtimestate-bench-read-'))
    cleanups.push(() => rm(tmp, { recursive: true, force: true }))
    const [script, compat, fakes, db] = await Promise.all([
      bundleWorker(tmp),
      readCompatibility(),
      startServiceProcess<{ url: string }>('fakes'),
      startServiceProcess<DatabaseInfo>('db'),
    ])
    cleanups.push(fakes.stop, db.stop)
    const fakeHost = new URL(fakes.info.url).hostname
    assert(fakeHost === HOST, `the fake providers listen on ${fakeHost}, expected ${HOST}`)

    const mf = startWorker(script, compat, db.info)
    cleanups.push(() => mf.dispose())
    const base = await mf.ready
    assert(base.hostname === HOST, `Miniflare listens on ${base.hostname}, expected ${HOST}`)
    const pids = workerdPids()
    console.error(
      `bench-read: ${db.info.kind === 'postgres' ? 'Postgres at DATABASE_URL' : 'embedded PGlite'} and fake providers ` +
        `at ${fakes.info.url} in child processes; Worker at ${base.origin} (workerd pid ${pids.join(', ') || '?'}); ` +
        `compat ${compat.compatibilityDate} [${compat.compatibilityFlags.join(', ')}]; ` +
        `setup ${fmtMs(performance.now() - benchStarted)}`,
    )

    const existing = await call(base, 'GET', '/backends')
    assert(existing.status === 200, `GET /backends answered ${existing.status}: ${JSON.stringify(existing.json)}`)
    assert(
      (existing.json as unknown[]).length === 0,
      `the database already declares ${(existing.json as unknown[]).length} backends; the bench needs an empty one ` +
        '(unset DATABASE_URL to use an in-memory PGlite)',
    )
    const created: string[] = []
    // An in-memory PGlite goes away with its process; a real Postgres gets back what the bench added.
    if (db.info.kind === 'postgres') {
      cleanups.push(() =>
        inBatches([...created], CREATE_PARALLELISM, async (id) => {
          const { status } = await call(base, 'DELETE', `/backends/${id}`)
          if (status !== 200) console.error(`bench-read: DELETE /backends/${id} answered ${status}`)
        }),
      )
    }

    for (const n of NS) {
      checkDeadline(`building N=${n}`)
      let t = performance.now()
      created.push(...(await declareBackends(base, fakes.info.url, created.length, n)))
      console.error(`bench-read: N=${n}: declared the fleet in ${fmtMs(performance.now() - t)}`)
      t = performance.now()
      const cycle = await runCycle(base, n)
      console.error(
        `bench-read: N=${n}: cycle ${fmtMs(cycle.wallMs)} wall (durationMs ${cycle.run.durationMs}, ` +
          `kvWrites ${cycle.run.kvWrites ?? '?'}), workerd RSS ${Math.round(rssMiB(pids) ?? 0)} MiB`,
      )
      console.log(
        JSON.stringify({ bench: 'read-cycle', n, models: MODELS, wallMs: Math.round(cycle.wallMs), ...cycle.run }),
      )
      const routes = await prepareRoutes(base, n)
      for (const connections of CONNECTIONS) {
        for (const route of routes) {
          const r = await loadRoute(base, route, n, connections, pids)
          results.push(r)
          console.log(JSON.stringify({ bench: 'read', ...r }))
          console.error(
            `bench-read: N=${n} c=${connections} ${route.name}: ${fmtRps(r.rps)} req/s, p50 ${fmtMs(r.p50Ms)}, ` +
              `p99 ${fmtMs(r.p99Ms)}, ${r.errors} errors, ${r.timeouts} timeouts, ${r.unexpectedCount} unexpected, ` +
              `/healthz after ${r.healthzAfterMs === null ? `> ${RECOVER_S} s` : fmtMs(r.healthzAfterMs)}, ` +
              `workerd ${r.workerdPeakRssMiB ?? '?'} MiB`,
          )
          if (deadlineHit) break
          await sleep(PAUSE_MS)
        }
      }
      printTable(n, routes, results, cycle)
    }
    checkDeadline('the end')
  } catch (error) {
    failed = true
    console.error(
      `\nbench-read FAILED: ${error instanceof Error ? (error instanceof BenchError ? error.message : error.stack) : error}`,
    )
    if (workerOutput.length > 0) {
      console.error('\nlast Worker output:')
      for (const line of workerOutput.slice(-40)) console.error(`  ${line}`)
    }
  } finally {
    currentCannon?.stop()
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup()
      } catch (error) {
        failed = true
        console.error(`bench-read: cleanup failed: ${error instanceof Error ? error.message : error}`)
      }
    }
  }
  const problems = workerOutput.filter(
    (l) =>
      /uncaught|error|exceeded/i.test(l) &&
      !/"msg":"reconcile cycle"/.test(l) &&
      !/"msg":"pg pool error".*Network connection lost/.test(l),
  )
  if (problems.length > 0) {
    console.error(
      `bench-read: the Worker logged ${problems.length} error line(s) (of the last 400 kept); first: ${problems[0]}`,
    )
  }
  console.error(`bench-read: total ${fmtMs(performance.now() - benchStarted)}${failed ? ' (FAILED)' : ''}`)
  clearTimeout(deadlineTimer)
  clearTimeout(hardStop)
  process.exitCode = failed ? 1 : 0
}

function startWorker(script: WorkerBundle, compat: Compatibility, db: DatabaseInfo) {
  return new Miniflare({
    // The one bundled module, listed rather than located (see scripts/bench.ts).
    modules: [{ type: 'ESModule', path: script.path, contents: script.contents }],
    modulesRoot: path.dirname(script.path),
    ...compat,
    kvNamespaces: ['KV'],
    cf: false,
    host: HOST,
    port: PORT,
    log: new Log(LogLevel.WARN),
    handleRuntimeStdio: captureStdio('read'),
    bindings: { ...workerBindings(db), READ_TOKEN },
  })
}

await main()
