/**
 * Read benchmark: `npm run bench:read` (issue 8, "A read benchmark").
 *
 * The real Worker (wrangler's deploy bundle, as in `npm run bench`) runs in workerd through
 * Miniflare, its entry socket exposed on a real port of 127.0.0.1 (Miniflare's `host`/`port`), so
 * that a real HTTP load generator (autocannon, in this process) can hit it. The fake providers and
 * the database (DATABASE_URL, else an in-memory PGlite) each run in a child process
 * (scripts/bench-services.ts), so their work never shares an event loop with the measuring one.
 *
 * Publish share (first, on its own backends, so that the read tables are not disturbed): with
 * BENCH_READ_PUBLISH_N backends (default 100 when BENCH_READ_NS includes 100, else none) whose fake
 * answers after BENCH_READ_PUBLISH_DELAY_MS (the fake's `many-50:delay=200`; the long-context ones
 * `many-50:ctx=131072:delay=200`), it runs a first cycle (a full publish), then
 * BENCH_READ_PUBLISH_CYCLES cycles in each of which one ordinary backend switches between
 * `many-50` and `many-49` (so each publishes), and prints per cycle the cycle's durationMs, the
 * publish step's time and KV writes (the RunSummary's `publish`), and publish ÷ cycle, with the
 * median over the changed cycles against the bar: publishing the views adds at most 20% to a
 * cycle's wall time at 100 × 50 with 200 ms backends. vLLM is not served from the model cache
 * (`cacheable: false`), so every cycle probes every backend. The backends are deleted after.
 *
 * Then, for each N in BENCH_READ_NS (default 100,2000), on an empty KV (the Worker restarted on a
 * fresh KV folder, so that the first publish is a full one), it declares N vLLM backends (every
 * base URL distinct; bounded parallel admin calls): LONG_BACKENDS (4, the same ones at every N)
 * serve long-context models (the fake's `many-50:ctx=131072`: 50 models of 131072 tokens, ids of
 * their own), the rest the fake's `many-50` (50 models of 4096 tokens, the same ids on every
 * backend). It runs reconcile cycles (`POST /setup/refresh`) and prints the publish step's KV
 * writes (puts + deletes, the RunSummary's `publish.kvWrites`) for: the first publish (everything
 * new), a cycle in which nothing changed (expected 0), and a one-backend change (one ordinary
 * backend moved to `many-49`: its content changes, the fleet's set of model ids does not); a last
 * cycle puts that backend back, so that the loads run on the original fleet. It then reads every
 * route once (status, shape, size), and load-tests each route at each of BENCH_READ_CONNECTIONS
 * (default 20,200) concurrent connections for BENCH_READ_DURATION_S, with the read token:
 *
 *   /healthz  /state  /state + If-None-Match (the ETag of a first GET)  /state?limit=100 (first page)
 *   /state/:id (a real id)  /providers?capability=chat&minContext=65536
 *   /providers?capability=chat&minContext=65536&tools=true&maxInputPrice=5  /models
 *   /models?minContext=65536  /v1/models
 *   / (the fleet status page, HTML)  /status/models (the models page, HTML), both asked as a browser
 *   asks (`Accept-Encoding: gzip, deflate, br`)
 *
 * The /providers filter is the issue's query: it matches the long-context backends' models only,
 * so its answer is the same LONG_BACKENDS × 50 = 200 entries at every N (checked when the routes
 * are read once). A filter whose answer grows with the fleet costs what a full /state costs: it
 * would measure the size of the answer, not the filter. The second adds conditions on the
 * published facts (tool calling, price) that no vLLM model of the bench knows: its answer is `[]`,
 * found from the chunk summaries in the meta without reading any chunk. `/models?minContext=65536`
 * filters the merged list on its view's header: the long-context models (at most the default
 * limit, 100).
 *
 * After every run:
 * - it times how long a fresh `GET /healthz` takes to answer (up to BENCH_READ_RECOVER_S);
 * - it waits up to BENCH_READ_SETTLE_S for workerd to go idle (CPU under 10%): a client that gives
 *   up does not stop what the Worker already started, and that backlog would be charged to the next
 *   run. If workerd is still busy (or /healthz never answered), it is restarted (same port; KV is persisted in a temporary folder
 *   and the database lives elsewhere, so the published snapshot and its ETag survive), so that
 *   each run starts from an idle Worker and the whole bench stays bounded in time and memory;
 * - workerd's resident memory is sampled throughout; past BENCH_READ_MAX_RSS_MIB the run is
 *   stopped and workerd restarted.
 *
 * It prints one JSON line per run and, per N, a markdown table: requests/s, p50, p99 (of the
 * answered requests), errors + timeouts, the requests still in flight when the run stopped (one per
 * connection; how long the oldest had waited shows the tail that p99 does not), unexpected statuses, the ratio of requests/s and of p99 to /healthz's (same N, same
 * connections), /healthz's answer time afterwards and workerd's peak RSS; then that N's KV writes
 * table (N, first publish, unchanged cycle, one-backend change), and all N's together at the end.
 * Other JSON lines: `read-publish-share` (one per cycle) and `read-publish-share-summary`,
 * `read-cycle` (one per cycle, with its phase) and `read-kv-writes` (one per N).
 *
 * Environment knobs:
 *   BENCH_READ_NS="100,2000"        fleet sizes (backends, more than LONG_BACKENDS), built up in increasing
 *                                   order; "none": no read tables (e.g. the publish share alone)
 *   BENCH_READ_PUBLISH_N=           backends of the publish-share measurement (default: 100 if BENCH_READ_NS
 *                                   includes 100, else 0 = skip it)
 *   BENCH_READ_PUBLISH_DELAY_MS=200 how long its fake backends take to answer
 *   BENCH_READ_PUBLISH_CYCLES=3     its cycles with a change (after the first, full, publish)
 *   BENCH_READ_MODELS=50            models per backend (the fake's many-<n>)
 *   BENCH_READ_CONNECTIONS="20,200" concurrent connections
 *   BENCH_READ_DURATION_S=4         seconds per route and connection count
 *   BENCH_READ_ROUTES=              a comma-separated subset of the table's route names (/healthz always runs)
 *   BENCH_READ_TIMEOUT_S=10         autocannon's per-request timeout
 *   BENCH_READ_RECOVER_S=10         how long to wait for /healthz to answer after a run
 *   BENCH_READ_SETTLE_S=5           how long to wait for workerd to go idle after that, before restarting it
 *   BENCH_READ_PAUSE_MS=250         pause between runs
 *   BENCH_READ_CYCLE_TIMEOUT_S=300  time limit for one POST /setup/refresh
 *   BENCH_READ_MAX_RSS_MIB=6144     workerd resident memory past which a run is stopped
 *   BENCH_READ_DEADLINE_S=900       the whole bench stops (and fails) past this (the default run takes
 *                                   about 4 minutes)
 *   BENCH_READ_PORT=0               the Worker's port on 127.0.0.1 (0: any free port)
 *   BENCH_READ_WORKER_ROOT=         bundle the Worker from this folder instead (same layout: wrangler.toml,
 *                                   src/, node_modules), e.g. to measure another commit:
 *                                     git archive <commit> | tar -x -C /tmp/before && ln -s "$PWD/node_modules" /tmp/before/
 *                                     BENCH_READ_WORKER_ROOT=/tmp/before npm run bench:read
 *                                   (the fakes, the database and its migrations still come from this folder)
 *   BENCH_VERBOSE=1                 echo the Worker's own log lines
 */
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import { Log, LogLevel, Miniflare } from 'miniflare'
import { ADMIN_TOKEN, type DatabaseInfo, startServiceProcess, workerBindings } from './bench-hostile'
import { FLEET_PAGE_SIZE } from '../src/pages/fleet-page'
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
  if (values.some((v) => !Number.isInteger(v) || v <= 0)) {
    badSetting(`${name}="${raw}": expected comma-separated positive integers`)
  }
  return values
}

function envNumber(name: string, fallback: number, { min = 0 } = {}): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < min) badSetting(`${name}="${raw}": expected a number ≥ ${min}`)
  return value
}

/** Backends serving long-context models: the same ones (the first declared) at every N. */
const LONG_BACKENDS = 4
/** Their models' context length (the fake's `:ctx=`); the /providers filter asks for at least half. */
const LONG_CONTEXT = 131_072
const PROVIDERS_QUERY = '/providers?capability=chat&minContext=65536'
/** The same with conditions on the published facts, which no model of the bench's fleet knows. */
const PROVIDERS_FACTS_QUERY = `${PROVIDERS_QUERY}&tools=true&maxInputPrice=5`
const MODELS_QUERY = '/models?minContext=65536'
const STATE_PAGE = '/state?limit=100'
/** Seconds of unrecorded load per route before the measured runs. */
const WARM_UP_S = 1
/** What a browser sends: the pages are read by browsers. */
const BROWSER_ENCODINGS = { 'Accept-Encoding': 'gzip, deflate, br' }

/** /healthz measured again after the other routes; the ratios' floor is the mean of both runs. */
const HEALTHZ_AGAIN = '/healthz (again)'
const WARM_UP_MAX_BYTES = 1 << 20
const STATE_PAGE_LIMIT = 100

const NS =
  process.env.BENCH_READ_NS?.trim() === 'none'
    ? []
    : [...new Set(envList('BENCH_READ_NS', '100,2000'))].sort((a, b) => a - b)
if (NS.some((n) => n <= LONG_BACKENDS)) {
  badSetting(
    `BENCH_READ_NS="${process.env.BENCH_READ_NS}": every N must be over ${LONG_BACKENDS} (the long-context backends)`,
  )
}
// At least 2: the one-backend change serves one model fewer.
const MODELS = envNumber('BENCH_READ_MODELS', 50, { min: 2 })
const PUBLISH_N = envNumber('BENCH_READ_PUBLISH_N', NS.includes(100) ? 100 : 0)
if (PUBLISH_N !== 0 && (!Number.isInteger(PUBLISH_N) || PUBLISH_N <= LONG_BACKENDS)) {
  badSetting(`BENCH_READ_PUBLISH_N="${PUBLISH_N}": expected 0 (skip) or an integer over ${LONG_BACKENDS}`)
}
const PUBLISH_DELAY_MS = envNumber('BENCH_READ_PUBLISH_DELAY_MS', 200)
const PUBLISH_CYCLES = envNumber('BENCH_READ_PUBLISH_CYCLES', 3, { min: 1 })
/** The acceptance bar: publishing the views adds at most this share to a cycle's wall time. */
const PUBLISH_SHARE_BAR = 0.2
const CONNECTIONS = envList('BENCH_READ_CONNECTIONS', '20,200')
const DURATION_S = envNumber('BENCH_READ_DURATION_S', 4, { min: 1 })
const TIMEOUT_S = envNumber('BENCH_READ_TIMEOUT_S', 10, { min: 1 })
const RECOVER_S = envNumber('BENCH_READ_RECOVER_S', 10, { min: 1 })
const SETTLE_S = envNumber('BENCH_READ_SETTLE_S', 5, { min: 1 })
const PAUSE_MS = envNumber('BENCH_READ_PAUSE_MS', 250)
const CYCLE_TIMEOUT_S = envNumber('BENCH_READ_CYCLE_TIMEOUT_S', 300, { min: 1 })
const MAX_RSS_MIB = envNumber('BENCH_READ_MAX_RSS_MIB', 6144, { min: 256 })
const DEADLINE_S = envNumber('BENCH_READ_DEADLINE_S', 900, { min: 10 })
const PORT = envNumber('BENCH_READ_PORT', 0)
const WORKER_ROOT = process.env.BENCH_READ_WORKER_ROOT ? path.resolve(process.env.BENCH_READ_WORKER_ROOT) : undefined
const ROUTE_FILTER = (process.env.BENCH_READ_ROUTES ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
/** The Worker's READ_TOKEN; every load request (/healthz included, which ignores it) carries it. */
const READ_TOKEN = `bench-read-${randomBytes(12).toString('hex')}`
/** Backend creation requests in flight at once, as in scripts/bench.ts. */
const CREATE_PARALLELISM = 8
const HOST = '127.0.0.1'
/** workerd counts as idle below this share of one core. */
const IDLE_CPU_SHARE = 0.1
const CLOCK_TICKS_PER_S = 100

/** One route as load-tested: what it sends and the one status every answer must have. */
interface Route {
  name: string
  path: string
  headers?: Record<string, string>
  expect: 200 | 304
  /** Bytes of one answer's body (from the read before the runs). */
  bytes: number
  /** What that answer held (e.g. "100 backends"). */
  holds: string
}

interface RunResult {
  n: number
  connections: number
  route: string
  path: string
  durationS: number
  /** Answered requests (any status). */
  requests: number
  rps: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Connection errors other than timeouts. */
  errors: number
  timeouts: number
  /** Sent but neither answered nor failed when the run stopped (not in p50/p99): about one per connection. */
  inFlightAtStop: number
  /** How long the oldest of those had waited (from its connection's previous answer, or the start). */
  oldestInFlightMs: number
  /** Connections that got at least one answer. */
  connectionsAnswered: number
  /** Answers whose status was not the route's `expect`, by status. */
  unexpected: Record<string, number>
  unexpectedCount: number
  /** The first unexpected answer: its status and the start of its body (what a status alone does not say). */
  unexpectedSample?: string
  /** How long a fresh GET /healthz took to answer right after the run; null: not within BENCH_READ_RECOVER_S. */
  healthzAfterMs: number | null
  /** When workerd went idle after that; null: not within BENCH_READ_SETTLE_S (then it was restarted). */
  idleAfterMs: number | null
  restarted: boolean
  workerdPeakRssMiB: number | null
  /** This (the measuring) process's worst event-loop delay during the run and the /healthz wait after it. */
  nodeLoopMaxMs: number
  /** Why the run stopped before BENCH_READ_DURATION_S, if it did. */
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
  /** The publish step's KV writes (puts + deletes) and time; absent from a Worker before it was reported. */
  publish?: { kvWrites: number; ms: number }
}

// ---- stopping by itself: a deadline, and Ctrl-C ----

const benchStarted = performance.now()
/** Aborted at the deadline or on SIGINT/SIGTERM: every wait and the running load stop. */
const stopAll = new AbortController()
let currentCannon: autocannon.Instance | undefined

function stopEverything(reason: string) {
  if (stopAll.signal.aborted) return
  console.error(`bench-read: ${reason}; stopping`)
  stopAll.abort(new BenchError(reason))
  currentCannon?.stop()
}

const deadlineTimer = setTimeout(() => stopEverything(`BENCH_READ_DEADLINE_S=${DEADLINE_S} reached`), DEADLINE_S * 1000)
deadlineTimer.unref()
// Last resort if cleanup itself hangs: the child services stop when this process's pipes close,
// and Miniflare kills workerd when this process exits.
const hardStop = setTimeout(
  () => {
    console.error('bench-read: still running 60 s past the deadline; exiting')
    process.exit(1)
  },
  (DEADLINE_S + 60) * 1000,
)
hardStop.unref()
// Ctrl-C: once a Worker runs, Miniflare's own exit hook kills workerd and exits (130) right after
// this listener; the child services stop when their stdin closes, and the temporary folder goes on
// exit. Before that (bundling), the bench stops at its next step.
let firstSignalAt: number | undefined
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // tsx relays the terminal's Ctrl-C, so one keypress can arrive twice: only a later one is a second.
    if (firstSignalAt !== undefined && performance.now() - firstSignalAt > 2000) process.exit(130)
    firstSignalAt ??= performance.now()
    stopEverything(`${signal} received (send it again to exit at once)`)
  })
}

function checkStop(step: string) {
  if (stopAll.signal.aborted) {
    const reason = stopAll.signal.reason instanceof Error ? stopAll.signal.reason.message : 'stopped'
    throw new BenchError(`${reason}, before ${step}`)
  }
}

/**
 * Runs `work` with a signal that aborts after `ms` (a TimeoutError), when the bench stops, or when
 * `also` aborts. A timer of its own: an AbortSignal.timeout() combined with AbortSignal.any() did
 * not reliably fire here (a 10 s limit once returned after 19 s).
 */
async function withTimeout<T>(ms: number, work: (signal: AbortSignal) => Promise<T>, also?: AbortSignal): Promise<T> {
  const controller = new AbortController()
  const timer = setTimeout(
    () => controller.abort(new DOMException(`no answer within ${Math.round(ms)} ms`, 'TimeoutError')),
    Math.max(1, Math.ceil(ms)),
  )
  const sources = [stopAll.signal, ...(also ? [also] : [])]
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason)
  for (const source of sources) {
    if (source.aborted) controller.abort(source.reason)
    else source.addEventListener('abort', onAbort, { once: true })
  }
  try {
    return await work(controller.signal)
  } finally {
    clearTimeout(timer)
    for (const source of sources) source.removeEventListener('abort', onAbort)
  }
}

// ---- the Worker: Miniflare on 127.0.0.1, restartable ----

class Worker {
  private mf?: Miniflare
  base!: URL
  pids: number[] = []
  restarts = 0

  constructor(
    private readonly script: WorkerBundle,
    private readonly compat: Compatibility,
    private readonly db: DatabaseInfo,
    private kvDir: string,
  ) {}

  async start(port = PORT) {
    this.mf = new Miniflare({
      // The one bundled module, listed rather than located (see scripts/bench.ts).
      modules: [{ type: 'ESModule', path: this.script.path, contents: this.script.contents }],
      modulesRoot: path.dirname(this.script.path),
      ...this.compat,
      kvNamespaces: ['KV'],
      // On disk as Miniflare's default (a temporary folder) is, but one that outlives a restart.
      kvPersist: this.kvDir,
      cf: false,
      host: HOST,
      port,
      log: new Log(LogLevel.WARN),
      handleRuntimeStdio: captureStdio('read'),
      // The paid plan's subrequest limit: the read bench's largest fleet is published by one cycle.
      bindings: { ...workerBindings(this.db), READ_TOKEN, SUBREQUEST_BUDGET: '10000' },
    })
    this.base = await this.mf.ready
    assert(this.base.hostname === HOST, `Miniflare listens on ${this.base.hostname}, expected ${HOST}`)
    this.pids = workerdPids()
  }

  /** A fresh workerd on the same port: what the last one was still doing is dropped. */
  async restart() {
    const port = Number(this.base.port)
    await this.stop()
    await this.start(port)
    this.restarts++
    const { status } = await call(this.base, 'GET', '/healthz', { timeoutS: 30 })
    assert(status === 200, `after a restart GET /healthz answered ${status}`)
  }

  /** A fresh workerd on the same port with an empty KV (in `kvDir`); the previous KV folder is removed. */
  async freshKv(kvDir: string) {
    const port = Number(this.base.port)
    await this.stop()
    await rm(this.kvDir, { recursive: true, force: true })
    this.kvDir = kvDir
    await this.start(port)
    const { status } = await call(this.base, 'GET', '/healthz', { timeoutS: 30 })
    assert(status === 200, `after a restart on an empty KV GET /healthz answered ${status}`)
  }

  async stop() {
    const mf = this.mf
    this.mf = undefined
    await mf?.dispose()
  }
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
  const timeoutS = options.timeoutS ?? 60
  let response: Response
  let text: string
  try {
    ;[response, text] = await withTimeout(timeoutS * 1000, async (signal) => {
      const answer = await fetch(url, {
        method,
        headers: {
          Authorization: `Bearer ${options.token ?? ADMIN_TOKEN}`,
          ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      })
      return [answer, await answer.text()] as const
    })
  } catch (error) {
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${timeoutS} s`
        : error instanceof Error
          ? error.message
          : String(error)
    throw new BenchError(`${method} ${route}: ${reason}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = text
  }
  return { status: response.status, json, headers: response.headers, bytes: Buffer.byteLength(text) }
}

/**
 * Time until a fresh GET /healthz answers 200, trying again until `limitMs` (or `cancel`); null,
 * with what the last attempt met, if it never did.
 */
async function healthzAnswerTime(
  base: URL,
  limitMs: number,
  cancel: AbortSignal,
): Promise<{ ms: number | null; last?: string }> {
  const started = performance.now()
  const until = started + limitMs
  let last: string | undefined
  while (performance.now() < until && !cancel.aborted && !stopAll.signal.aborted) {
    try {
      const status = await withTimeout(
        until - performance.now(),
        async (signal) => {
          const response = await fetch(new URL('/healthz', base), { signal })
          await response.arrayBuffer()
          return response.status
        },
        cancel,
      )
      if (status === 200) return { ms: performance.now() - started }
      last = `status ${status}`
    } catch (error) {
      // refused, reset or timed out: try again until the limit
      last = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    }
    await sleep(25)
  }
  return { ms: null, last: cancel.aborted ? 'given up: workerd memory over the limit' : last }
}

// ---- workerd's memory and CPU, from /proc (Linux; without /proc both read as unknown) ----

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
    const fields = procStat(Number(entry))
    if (fields && fields.comm.startsWith('workerd') && fields.ppid === process.pid) pids.push(Number(entry))
  }
  return pids
}

function procStat(pid: number): { comm: string; ppid: number; cpuTicks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const close = stat.lastIndexOf(')')
    const rest = stat.slice(close + 2).split(' ')
    // After the comm: state(3) ppid(4) … utime(14) stime(15), numbered from 1 with pid and comm.
    return {
      comm: stat.slice(stat.indexOf('(') + 1, close),
      ppid: Number(rest[1]),
      cpuTicks: Number(rest[11]) + Number(rest[12]),
    }
  } catch {
    return null
  }
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

function cpuTicks(pids: number[]): number | null {
  let ticks = 0
  for (const pid of pids) {
    const stat = procStat(pid)
    if (!stat) return null
    ticks += stat.cpuTicks
  }
  return pids.length > 0 ? ticks : null
}

/** Samples workerd's RSS every 200 ms until stopped; returns the peak (MiB). Calls `over` once past the cap. */
function sampleRss(pids: number[], over: (mib: number) => void) {
  let peak: number | null = rssMiB(pids)
  let told = false
  const timer = setInterval(() => {
    const now = rssMiB(pids)
    if (now === null) return
    peak = Math.max(peak ?? 0, now)
    if (now > MAX_RSS_MIB && !told) {
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

/** Time until workerd uses under IDLE_CPU_SHARE of a core over 400 ms; null if not within `limitMs` (or unknown). */
async function idleTime(pids: number[], limitMs: number): Promise<number | null> {
  const started = performance.now()
  let previous = cpuTicks(pids)
  let previousAt = performance.now()
  while (previous !== null && performance.now() - started < limitMs && !stopAll.signal.aborted) {
    await sleep(400)
    const now = cpuTicks(pids)
    const at = performance.now()
    if (now === null) return null
    const share = (now - previous) / CLOCK_TICKS_PER_S / ((at - previousAt) / 1000)
    if (share < IDLE_CPU_SHARE) return at - started
    previous = now
    previousAt = at
  }
  return null
}

// ---- fleet and cycle ----

/** What a fleet's backend `i` is declared as: the first LONG_BACKENDS serve long-context models. */
function backendBody(fleet: Fleet, i: number, models = MODELS) {
  const options = `${i < LONG_BACKENDS ? `:ctx=${LONG_CONTEXT}` : ''}${fleet.delayMs > 0 ? `:delay=${fleet.delayMs}` : ''}`
  const tag = `${fleet.prefix}${i}`
  return { name: `bench-read-${tag}`, type: 'vllm', baseUrl: `${fleet.fakeUrl}/vllm/many-${models}${options}/${tag}` }
}

interface Fleet {
  fakeUrl: string
  /** Backend names are `bench-read-<prefix><i>`; base URLs end in `<prefix><i>`, so every one is distinct. */
  prefix: string
  /** The fake's `:delay=`; 0: none. */
  delayMs: number
  /** Ids of backends 0, 1, …, in order. */
  ids: string[]
}

/** Declares the fleet's backends from its current size up to `to`; each id is also added to `created` at once. */
async function declareBackends(base: URL, fleet: Fleet, to: number, created: string[]): Promise<void> {
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
async function setModels(base: URL, fleet: Fleet, i: number, models: number) {
  assert(i >= LONG_BACKENDS && i < fleet.ids.length, `backend ${i} is not an ordinary backend of the fleet`)
  const id = fleet.ids[i]!
  const { status, json } = await call(base, 'PUT', `/backends/${id}`, { body: backendBody(fleet, i, models) })
  assert(status === 200, `PUT /backends/${id} answered ${status}: ${JSON.stringify(json)}`)
}

/** The fake providers' own record of the requests they received (`/__calls`, `/__reset`). */
async function fakeControl(fakeUrl: string, route: '/__calls' | '/__reset'): Promise<unknown> {
  const url = new URL(route, fakeUrl)
  assert(url.hostname === HOST, `refusing to send ${url.href}: the bench talks to ${HOST} only`)
  return withTimeout(30_000, async (signal) => {
    const response = await fetch(url, { method: route === '/__reset' ? 'POST' : 'GET', signal })
    assert(response.ok, `${route} on the fake providers answered ${response.status}`)
    return response.json()
  })
}

/** One cycle; checks that it probed each of the `n` backends once (the fakes count the requests). */
async function runCycle(base: URL, n: number, fakeUrl: string) {
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

type Cycle = Awaited<ReturnType<typeof runCycle>>

const fmtBytes = (bytes: number) =>
  bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`

/** Reads every route once with the read token: checks status and shape, takes the ETag and a real id. */
async function prepareRoutes(base: URL, n: number): Promise<Route[]> {
  const read = (route: string, headers?: Record<string, string>) =>
    call(base, 'GET', route, { token: READ_TOKEN, headers, timeoutS: 120 })

  const healthz = await read('/healthz')
  assert(healthz.status === 200, `GET /healthz answered ${healthz.status}`)

  // Plain /state, as a client that does not take gzip gets it (Node's fetch asks for gzip unless told).
  const state = await read('/state', { 'Accept-Encoding': 'identity' })
  assert(state.headers.get('content-encoding') === null, 'GET /state without gzip answered an encoded body')
  assert(state.status === 200, `GET /state answered ${state.status}: ${JSON.stringify(state.json).slice(0, 300)}`)
  const backends = state.json as { id: string; status: string }[]
  assert(Array.isArray(backends), `GET /state answered ${JSON.stringify(state.json).slice(0, 300)}`)
  assert(backends.length === n, `GET /state listed ${backends.length} backends, expected ${n}`)
  const healthy = backends.filter((b) => b.status === 'healthy').length
  assert(healthy === n, `GET /state: ${healthy} of ${n} backends healthy`)
  const etag = state.headers.get('etag')
  assert(etag, 'GET /state sent no ETag')

  // The gzipped /state, as most HTTP clients get it; fetch decodes it, so this checks they make the same JSON.
  const gzipped = await read('/state', { 'Accept-Encoding': 'gzip' })
  assert(gzipped.headers.get('content-encoding') === 'gzip', 'GET /state with Accept-Encoding: gzip was not gzipped')
  assert(JSON.stringify(gzipped.json) === JSON.stringify(state.json), 'GET /state: gzip decoded to another body')
  // What went over the wire: fetch decodes, so the encoded size is read from a second, raw request.
  const gzippedBytes = await encodedSize(base, '/state', { 'Accept-Encoding': 'gzip' })

  const notModified = await read('/state', { 'Accept-Encoding': 'identity', 'If-None-Match': etag })
  assert(notModified.status === 304, `GET /state with If-None-Match ${etag} answered ${notModified.status}, not 304`)

  const page = await read(STATE_PAGE)
  assert(page.status === 200, `GET ${STATE_PAGE} answered ${page.status}: ${JSON.stringify(page.json).slice(0, 300)}`)
  const pageLength = (page.json as unknown[]).length
  assert(
    pageLength === Math.min(STATE_PAGE_LIMIT, n),
    `GET ${STATE_PAGE} listed ${pageLength} backends, expected ${Math.min(STATE_PAGE_LIMIT, n)}`,
  )
  assert(
    Boolean(page.headers.get('link')) === n > STATE_PAGE_LIMIT,
    `GET ${STATE_PAGE} at N=${n}: Link header ${page.headers.get('link') ?? 'absent'}`,
  )

  const id = backends[Math.floor(n / 2)]!.id
  const one = await read(`/state/${id}`)
  assert(one.status === 200, `GET /state/${id} answered ${one.status}`)
  assert((one.json as { id?: string }).id === id, `GET /state/${id} answered another backend`)
  const models = (one.json as { pulledModels?: unknown[] }).pulledModels?.length ?? 0

  const providers = await read(PROVIDERS_QUERY)
  assert(providers.status === 200, `GET ${PROVIDERS_QUERY} answered ${providers.status}`)
  const matched = providers.json as { backendId: string; contextLength: number }[]
  const entries = matched.length
  // The same answer at every N: the long-context backends' models, and nothing else.
  assert(
    entries === LONG_BACKENDS * MODELS,
    `GET ${PROVIDERS_QUERY} listed ${entries} entries, expected ${LONG_BACKENDS} × ${MODELS} = ${LONG_BACKENDS * MODELS}`,
  )
  const short = matched.filter((e) => e.contextLength !== LONG_CONTEXT).length
  assert(short === 0, `GET ${PROVIDERS_QUERY}: ${short} entries of a context other than ${LONG_CONTEXT}`)
  const matchedBackends = new Set(matched.map((e) => e.backendId)).size
  assert(
    matchedBackends === LONG_BACKENDS,
    `GET ${PROVIDERS_QUERY}: entries from ${matchedBackends} backends, expected ${LONG_BACKENDS}`,
  )

  const unknownFacts = await read(PROVIDERS_FACTS_QUERY)
  assert(unknownFacts.status === 200, `GET ${PROVIDERS_FACTS_QUERY} answered ${unknownFacts.status}`)
  assert(
    JSON.stringify(unknownFacts.json) === '[]',
    `GET ${PROVIDERS_FACTS_QUERY}: expected [] (no bench model knows its tools or price)`,
  )

  const merged = await read('/models')
  assert(merged.status === 200, `GET /models answered ${merged.status}`)
  const longModels = await read(MODELS_QUERY)
  assert(longModels.status === 200, `GET ${MODELS_QUERY} answered ${longModels.status}`)
  const long = longModels.json as { contextLength: number }[]
  assert(
    long.length > 0 && long.every((m) => m.contextLength === LONG_CONTEXT),
    `GET ${MODELS_QUERY}: expected only models of context ${LONG_CONTEXT}, got ${long.length}`,
  )
  const openai = await read('/v1/models')
  assert(openai.status === 200, `GET /v1/models answered ${openai.status}`)
  // The status page, as a browser signed in with the read token (as a bearer here) gets it.
  const fleetPage = await read('/')
  assert(fleetPage.status === 200, `GET / answered ${fleetPage.status}`)
  const fleetRows = String(fleetPage.json).match(/<tr role="row" data-backend=/g)?.length ?? 0
  assert(fleetRows === Math.min(n, FLEET_PAGE_SIZE), `GET / showed ${fleetRows} backends, expected one page of ${n}`)
  const modelsPage = await read('/status/models')
  assert(modelsPage.status === 200, `GET /status/models answered ${modelsPage.status}`)

  // Routes whose answers grow with the fleet come last: the garbage a 23 MiB answer leaves behind
  // would otherwise be collected during, and charged to, the next route's run.
  const routes: Route[] = [
    { name: '/healthz', path: '/healthz', expect: 200, bytes: healthz.bytes, holds: '' },
    {
      name: '/state 304',
      path: '/state',
      headers: { 'Accept-Encoding': 'identity', 'If-None-Match': etag },
      expect: 304,
      bytes: 0,
      holds: '',
    },
    { name: '/state/:id', path: `/state/${id}`, expect: 200, bytes: one.bytes, holds: `${models} models` },
    { name: PROVIDERS_QUERY, path: PROVIDERS_QUERY, expect: 200, bytes: providers.bytes, holds: `${entries} entries` },
    {
      name: PROVIDERS_FACTS_QUERY,
      path: PROVIDERS_FACTS_QUERY,
      expect: 200,
      bytes: unknownFacts.bytes,
      holds: '0 entries',
    },
    {
      name: '/models',
      path: '/models',
      expect: 200,
      bytes: merged.bytes,
      holds: `${(merged.json as unknown[]).length} models`,
    },
    { name: MODELS_QUERY, path: MODELS_QUERY, expect: 200, bytes: longModels.bytes, holds: `${long.length} models` },
    {
      name: '/v1/models',
      path: '/v1/models',
      expect: 200,
      bytes: openai.bytes,
      holds: `${(openai.json as { data: unknown[] }).data.length} models`,
    },
    {
      name: '/ (fleet page)',
      path: '/',
      headers: BROWSER_ENCODINGS,
      expect: 200,
      bytes: fleetPage.bytes,
      holds: `${fleetRows} backends`,
    },
    {
      name: '/status/models',
      path: '/status/models',
      headers: BROWSER_ENCODINGS,
      expect: 200,
      bytes: modelsPage.bytes,
      holds: `${String(modelsPage.json).match(/<tr role="row" data-model=/g)?.length ?? 0} models`,
    },
    { name: STATE_PAGE, path: STATE_PAGE, expect: 200, bytes: page.bytes, holds: `${pageLength} backends` },
    {
      name: '/state gzip',
      path: '/state',
      headers: { 'Accept-Encoding': 'gzip' },
      expect: 200,
      bytes: gzippedBytes,
      holds: `${n} backends`,
    },
    {
      name: '/state',
      path: '/state',
      headers: { 'Accept-Encoding': 'identity' },
      expect: 200,
      bytes: state.bytes,
      holds: `${n} backends`,
    },
  ]
  console.error(`bench-read: N=${n}: bodies ${describeBodies(routes)}`)
  return routes.filter((r) => r.name === '/healthz' || ROUTE_FILTER.length === 0 || ROUTE_FILTER.includes(r.name))
}

/** Bytes of an answer as sent, before any decoding (node:http does not decode). */
function encodedSize(base: URL, route: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      new URL(route, base),
      { headers: { Authorization: `Bearer ${READ_TOKEN}`, ...headers } },
      (response) => {
        let bytes = 0
        response.on('data', (chunk: Buffer) => (bytes += chunk.length))
        response.on('end', () => resolve(bytes))
        response.on('error', reject)
      },
    )
    request.on('error', reject)
  })
}

const describeBodies = (routes: Route[]) =>
  routes
    .filter((r) => r.name !== '/healthz' && r.bytes > 0)
    .map((r) => `${r.name} ${fmtBytes(r.bytes)}${r.holds ? ` (${r.holds})` : ''}`)
    .join(', ')

// ---- load ----

/**
 * One autocannon run. Also returns how long the oldest request in flight at the end had waited:
 * with one request per connection at a time, a connection's open request was sent at its
 * previous answer (or at the start, for a connection that got none).
 */
function cannon(
  options: autocannon.Options,
): Promise<{ result: autocannon.Result; oldestInFlightMs: number; connectionsAnswered: number }> {
  return new Promise((resolve, reject) => {
    const lastAnswer = new Map<autocannon.Client, number>()
    const started = performance.now()
    const instance = autocannon(options, (error, result) => {
      currentCannon = undefined
      if (error) return reject(error instanceof Error ? error : new BenchError(String(error)))
      const ended = performance.now()
      const answered = [...lastAnswer.values()]
      const oldestSent = answered.length < (options.connections ?? 10) ? started : Math.min(...answered)
      resolve({ result, oldestInFlightMs: ended - oldestSent, connectionsAnswered: answered.length })
    })
    instance.on('response', (client) => lastAnswer.set(client, performance.now()))
    currentCannon = instance
  })
}

/**
 * A short unrecorded run of every route first: workerd compiles the Worker's hot paths on first
 * use, and the first measured run (/healthz, the floor of every ratio) would otherwise pay for it.
 */
async function warmUp(worker: Worker, routes: Route[]): Promise<void> {
  // Not the routes whose answers grow with the fleet: their garbage would weigh on the first runs.
  for (const route of routes.filter((r) => r.bytes <= WARM_UP_MAX_BYTES)) {
    await cannon({
      url: new URL(route.path, worker.base).href,
      connections: 20,
      duration: WARM_UP_S,
      timeout: TIMEOUT_S,
      headers: { Authorization: `Bearer ${READ_TOKEN}`, ...route.headers },
    })
  }
}

async function loadRoute(worker: Worker, route: Route, n: number, connections: number): Promise<RunResult> {
  checkStop(`${route.name} at N=${n}, ${connections} connections`)
  const url = new URL(route.path, worker.base)
  assert(url.hostname === HOST, `refusing to load ${url.href}: the bench talks to ${HOST} only`)
  const loop = monitorEventLoopDelay({ resolution: 5 })
  const memoryAlarm = new AbortController()
  let stoppedEarly: string | undefined
  const stopRss = sampleRss(worker.pids, (mib) => {
    stoppedEarly = `workerd RSS ${Math.round(mib)} MiB passed BENCH_READ_MAX_RSS_MIB=${MAX_RSS_MIB}`
    console.error(`bench-read: ${stoppedEarly}; stopping ${route.name} early`)
    currentCannon?.stop()
    memoryAlarm.abort()
  })
  loop.enable()
  let run: Awaited<ReturnType<typeof cannon>>
  let healthz: Awaited<ReturnType<typeof healthzAnswerTime>>
  let workerdPeakRssMiB: number | null
  let unexpectedSample: string | undefined
  try {
    run = await cannon({
      url: url.href,
      connections,
      duration: DURATION_S,
      timeout: TIMEOUT_S,
      headers: { Authorization: `Bearer ${READ_TOKEN}`, ...route.headers },
      // autocannon collects every body anyway; this only looks at the first unexpected one.
      requests: [
        {
          onResponse: (status: number, body: string) => {
            if (status !== route.expect && unexpectedSample === undefined) {
              unexpectedSample = `${status} ${String(body ?? '')
                .slice(0, 300)
                .replace(/\s+/g, ' ')
                .replace(/`/g, "'")}`
            }
          },
        },
      ],
    })
    healthz = await healthzAnswerTime(worker.base, RECOVER_S * 1000, memoryAlarm.signal)
  } finally {
    loop.disable()
    workerdPeakRssMiB = stopRss()
  }
  const { result, oldestInFlightMs, connectionsAnswered } = run
  if (healthz.ms === null) {
    console.error(
      `bench-read: /healthz did not answer within ${RECOVER_S} s of ${route.name} at N=${n}, ` +
        `${connections} connections (last attempt: ${healthz.last})`,
    )
  }
  // No answer from /healthz: certainly still busy, restart at once.
  const idleAfterMs = healthz.ms === null ? null : await idleTime(worker.pids, SETTLE_S * 1000)
  let restarted = false
  if (idleAfterMs === null && !stopAll.signal.aborted) {
    const t = performance.now()
    await worker.restart()
    restarted = true
    console.error(
      `bench-read: workerd was still busy (${healthz.ms === null ? '/healthz did not answer' : `${SETTLE_S} s after /healthz answered`}): ` +
        `restarted it in ${fmtMs(performance.now() - t)}`,
    )
  }
  const unexpected: Record<string, number> = {}
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    if (Number(code) !== route.expect && stats.count) unexpected[code] = stats.count
  }
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
    inFlightAtStop: Math.max(0, result.requests.sent - requests - result.errors),
    oldestInFlightMs: Math.round(oldestInFlightMs),
    connectionsAnswered,
    unexpected,
    unexpectedCount: Object.values(unexpected).reduce((a, b) => a + b, 0),
    ...(unexpectedSample === undefined ? {} : { unexpectedSample }),
    healthzAfterMs: healthz.ms === null ? null : Math.round(healthz.ms),
    idleAfterMs: idleAfterMs === null ? null : Math.round(idleAfterMs),
    restarted,
    workerdPeakRssMiB: workerdPeakRssMiB === null ? null : Math.round(workerdPeakRssMiB),
    nodeLoopMaxMs: Math.round(loop.max / 1e6),
    ...(stoppedEarly ? { stoppedEarly } : stopAll.signal.aborted ? { stoppedEarly: 'the bench was stopped' } : {}),
  }
}

// ---- report ----

const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`)
const fmtRatio = (value: number) =>
  !Number.isFinite(value)
    ? '—'
    : value > 0 && value < 0.001
      ? '< 0.001×'
      : `${value > 0 && value < 0.1 ? value.toFixed(3) : value.toFixed(2)}×`
const fmtRps = (rps: number) => (rps >= 100 ? String(Math.round(rps)) : rps.toFixed(1))

/** The publish cycles of one N, as in the KV writes table. */
interface KvWriteCycles {
  n: number
  first: Cycle
  unchanged: Cycle
  oneBackendChange: Cycle
  /** The changed backend put back, before the loads. */
  restore: Cycle
}

const KV_PHASES = ['first', 'unchanged', 'oneBackendChange', 'restore'] as const
const publishWrites = (cycle: Cycle) => (cycle.run.publish ? String(cycle.run.publish.kvWrites) : '?')
const publishMs = (cycle: Cycle) => (cycle.run.publish ? fmtMs(cycle.run.publish.ms) : '?')

function kvWritesJson(kv: KvWriteCycles) {
  const phase = (cycle: Cycle) => ({
    publishKvWrites: cycle.run.publish?.kvWrites ?? null,
    publishMs: cycle.run.publish?.ms ?? null,
    cycleKvWrites: cycle.run.kvWrites ?? null,
    snapshotWritten: cycle.run.snapshotWritten ?? null,
    durationMs: cycle.run.durationMs,
    wallMs: Math.round(cycle.wallMs),
  })
  return Object.fromEntries([['bench', 'read-kv-writes'], ['n', kv.n], ...KV_PHASES.map((p) => [p, phase(kv[p])])])
}

function printKvWrites(rows: KvWriteCycles[], title: string) {
  console.log('')
  console.log(`#### ${title}`)
  console.log('')
  console.log('| N | first publish | unchanged cycle | one-backend change |')
  console.log('| ---: | ---: | ---: | ---: |')
  for (const kv of rows) {
    console.log(
      `| ${kv.n} | ${publishWrites(kv.first)} | ${publishWrites(kv.unchanged)} | ${publishWrites(kv.oneBackendChange)} |`,
    )
  }
  console.log('')
  console.log(
    "KV puts + deletes of the publish step (the RunSummary's publish.kvWrites). The first publish is on an empty KV; " +
      `the one-backend change moves one ordinary backend from many-${MODELS} to many-${MODELS - 1} (same model ids in the fleet). ` +
      rows
        .map(
          (kv) =>
            `N=${kv.n}: publish step ${publishMs(kv.first)}, ${publishMs(kv.unchanged)}, ${publishMs(kv.oneBackendChange)}; ` +
            `cycle durationMs ${kv.first.run.durationMs}, ${kv.unchanged.run.durationMs}, ${kv.oneBackendChange.run.durationMs}; ` +
            `putting the backend back: ${publishWrites(kv.restore)} writes in ${publishMs(kv.restore)}.`,
        )
        .join(' '),
  )
  for (const kv of rows) {
    if (kv.unchanged.run.publish && kv.unchanged.run.publish.kvWrites !== 0) {
      console.log(`**N=${kv.n}: the unchanged cycle wrote ${kv.unchanged.run.publish.kvWrites} values; expected 0.**`)
    }
  }
}

function printTable(n: number, routes: Route[], results: RunResult[], kv: KvWriteCycles) {
  const cycle = kv.first
  const header = [
    'route',
    'connections',
    'requests/s',
    'p50',
    'p99',
    'errors + timeouts',
    'in flight at stop (oldest)',
    'unexpected status',
    'requests/s ÷ /healthz',
    'p99 ÷ /healthz p99',
    '/healthz answers after',
    'workerd RSS peak',
  ]
  console.log('')
  console.log(`### Reads at N = ${n} vLLM backends × ${MODELS} models`)
  console.log('')
  console.log(
    `${n - LONG_BACKENDS} backends serve many-${MODELS} (context 4096), ${LONG_BACKENDS} serve many-${MODELS}:ctx=${LONG_CONTEXT}. ` +
      `${DURATION_S} s per run, autocannon timeout ${TIMEOUT_S} s. First cycle: ${fmtMs(cycle.wallMs)} wall, ` +
      `durationMs ${cycle.run.durationMs}${cycle.run.kvWrites === undefined ? '' : `, ${cycle.run.kvWrites} KV writes`}. ` +
      `Bodies: ${describeBodies(routes)}.`,
  )
  console.log('')
  console.log(`| ${header.join(' | ')} |`)
  console.log(`|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`)
  for (const connections of CONNECTIONS) {
    // The floor: /healthz measured first and again last, averaged, so that drift over the block
    // (the machine warming up or slowing down) does not land on one side of every ratio.
    const floors = results.filter(
      (r) => r.n === n && r.connections === connections && (r.route === '/healthz' || r.route === HEALTHZ_AGAIN),
    )
    const floor =
      floors.length === 0
        ? undefined
        : {
            rps: floors.reduce((sum, r) => sum + r.rps, 0) / floors.length,
            p99Ms: floors.reduce((sum, r) => sum + r.p99Ms, 0) / floors.length,
            requests: floors.reduce((sum, r) => sum + r.requests, 0),
          }
    for (const route of [...routes, { ...routes[0]!, name: HEALTHZ_AGAIN }]) {
      const r = results.find((x) => x.n === n && x.connections === connections && x.route === route.name)
      if (!r) continue
      const answered = r.requests > 0
      const unexpected = Object.entries(r.unexpected)
        .map(([code, count]) => `${count}× ${code}`)
        .join(', ')
      console.log(
        `| ${[
          `\`${route.name}\``,
          String(connections),
          fmtRps(r.rps),
          answered ? fmtMs(r.p50Ms) : '—',
          answered ? fmtMs(r.p99Ms) : '—',
          `${r.errors} + ${r.timeouts}`,
          `${r.inFlightAtStop} (${fmtMs(r.oldestInFlightMs)})` +
            (r.connectionsAnswered < connections
              ? `, ${connections - r.connectionsAnswered} connections never answered`
              : ''),
          unexpected || '0',
          floor && floor.rps > 0 ? fmtRatio(r.rps / floor.rps) : '—',
          floor && answered && floor.requests > 0 ? fmtRatio(r.p99Ms / Math.max(1, floor.p99Ms)) : '—',
          r.healthzAfterMs !== null ? fmtMs(r.healthzAfterMs) : r.stoppedEarly ? '— (stopped)' : `> ${RECOVER_S} s`,
          r.workerdPeakRssMiB === null ? '—' : `${r.workerdPeakRssMiB} MiB`,
        ].join(' | ')} |`,
      )
    }
  }
  console.log('')
  console.log(
    'Ratios are to the mean of the two /healthz runs, first and last. ' +
      'p50/p99 are of the answered requests only. "in flight at stop": requests sent but not answered when the run ' +
      'ended (one per connection), and how long the oldest had waited: a tail that p99 leaves out; ' +
      '"never answered": connections that got no answer during the whole run. ' +
      '"/healthz answers after": a GET /healthz sent right after the run.',
  )
  const restarted = results.filter((r) => r.n === n && r.restarted)
  if (restarted.length > 0) {
    console.log(
      `workerd was still busy (no /healthz answer within ${RECOVER_S} s, or not idle ${SETTLE_S} s after it), ` +
        'and was restarted before the next run, after: ' +
        restarted.map((r) => `${r.route} (${r.connections})`).join(', ') +
        '.',
    )
  }
  for (const r of results.filter((x) => x.n === n && x.stoppedEarly)) {
    console.log(`${r.route} at ${r.connections} connections stopped after ${r.durationS} s: ${r.stoppedEarly}.`)
  }
  for (const r of results.filter((x) => x.n === n && x.unexpectedSample)) {
    console.log(`First unexpected answer of ${r.route} at ${r.connections} connections: \`${r.unexpectedSample}\`.`)
  }
  printKvWrites([kv], `KV writes of the publish step at N = ${n}`)
  console.log('')
}

// ---- publish share ----

interface ShareRow {
  cycle: string
  /** Whether the row counts in the median (the cycles with a one-backend change). */
  changed: boolean
  wallMs: number
  durationMs: number
  publishMs: number | null
  publishKvWrites: number | null
  /** publishMs ÷ durationMs. */
  share: number | null
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length === 0 ? null : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const fmtShare = (share: number | null) => (share === null ? '?' : `${(share * 100).toFixed(1)}%`)

/**
 * PUBLISH_N backends of their own answering after PUBLISH_DELAY_MS: a first (full) publish, then
 * PUBLISH_CYCLES cycles with one backend switched between many-MODELS and many-(MODELS-1), so
 * that each publishes. The backends are deleted after.
 */
async function publishShare(base: URL, fakeUrl: string, created: string[]) {
  const n = PUBLISH_N
  const fleet: Fleet = { fakeUrl, prefix: 'p', delayMs: PUBLISH_DELAY_MS, ids: [] }
  const t = performance.now()
  await declareBackends(base, fleet, n, created)
  console.error(
    `bench-read: publish share: declared ${n} backends (${PUBLISH_DELAY_MS} ms each) in ${fmtMs(performance.now() - t)}`,
  )
  const rows: ShareRow[] = []
  const row = (cycle: string, changed: boolean, c: Cycle): ShareRow => {
    const r: ShareRow = {
      cycle,
      changed,
      wallMs: Math.round(c.wallMs),
      durationMs: c.run.durationMs,
      publishMs: c.run.publish?.ms ?? null,
      publishKvWrites: c.run.publish?.kvWrites ?? null,
      share: c.run.publish && c.run.durationMs > 0 ? c.run.publish.ms / c.run.durationMs : null,
    }
    console.log(JSON.stringify({ bench: 'read-publish-share', n, models: MODELS, delayMs: PUBLISH_DELAY_MS, ...r }))
    console.error(
      `bench-read: publish share: ${cycle}: durationMs ${r.durationMs}, publish ${r.publishMs ?? '?'} ms ` +
        `(${r.publishKvWrites ?? '?'} KV writes), ${fmtShare(r.share)}`,
    )
    return r
  }
  rows.push(row('first (full publish)', false, await runCycle(base, n, fakeUrl)))
  for (let k = 1; k <= PUBLISH_CYCLES; k++) {
    checkStop(`publish share cycle ${k}`)
    const models = k % 2 === 1 ? MODELS - 1 : MODELS
    await setModels(base, fleet, LONG_BACKENDS, models)
    const cycle = await runCycle(base, n, fakeUrl)
    assert(
      cycle.run.snapshotWritten !== false,
      `publish share cycle ${k}: one backend changed, but nothing was published`,
    )
    rows.push(row(`${k}: one backend → many-${models}`, true, cycle))
  }
  const shares = rows.filter((r) => r.changed && r.share !== null).map((r) => r.share!)
  const mid = median(shares)
  console.log(
    JSON.stringify({
      bench: 'read-publish-share-summary',
      n,
      models: MODELS,
      delayMs: PUBLISH_DELAY_MS,
      medianShare: mid,
      bar: PUBLISH_SHARE_BAR,
      met: mid === null ? null : mid <= PUBLISH_SHARE_BAR,
    }),
  )

  console.log('')
  console.log(`### Publish share at N = ${n} vLLM backends × ${MODELS} models, ${PUBLISH_DELAY_MS} ms backends`)
  console.log('')
  console.log(
    `${n - LONG_BACKENDS} backends serve many-${MODELS}:delay=${PUBLISH_DELAY_MS}, ${LONG_BACKENDS} many-${MODELS}:ctx=${LONG_CONTEXT}:delay=${PUBLISH_DELAY_MS}; ` +
      'every cycle probed every backend (counted by the fakes).',
  )
  console.log('')
  console.log('| cycle | cycle durationMs | publish.ms | publish.kvWrites | publish ÷ cycle |')
  console.log('| --- | ---: | ---: | ---: | ---: |')
  for (const r of rows) {
    console.log(
      `| ${r.cycle} | ${r.durationMs} | ${r.publishMs ?? '?'} | ${r.publishKvWrites ?? '?'} | ${fmtShare(r.share)} |`,
    )
  }
  console.log('')
  console.log(
    `Median publish ÷ cycle over the ${shares.length} cycles with a change: **${fmtShare(mid)}** ` +
      `(bar: publishing the views adds at most ${PUBLISH_SHARE_BAR * 100}% to a cycle's wall time at 100 × 50 with 200 ms backends: ` +
      `${mid === null ? 'unknown' : mid <= PUBLISH_SHARE_BAR ? 'met' : 'NOT met'}). The first cycle (a full publish on this KV) is not in the median.`,
  )
  console.log('')

  await inBatches([...fleet.ids], CREATE_PARALLELISM, async (id) => {
    const { status } = await call(base, 'DELETE', `/backends/${id}`)
    assert(status === 200, `DELETE /backends/${id} answered ${status}`)
    const at = created.indexOf(id)
    if (at >= 0) created.splice(at, 1)
  })
}

// ---- main ----

async function main() {
  const cleanups: (() => Promise<unknown>)[] = []
  const results: RunResult[] = []
  let failed = false
  try {
    if (WORKER_ROOT) {
      for (const needed of ['wrangler.toml', 'src/index.ts', 'node_modules']) {
        assert(existsSync(path.join(WORKER_ROOT, needed)), `BENCH_READ_WORKER_ROOT=${WORKER_ROOT} has no ${needed}`)
      }
    }
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'runtimestate-bench-read-'))
    cleanups.push(() => rm(tmp, { recursive: true, force: true }))
    // Also when Miniflare's exit hook ends the process (Ctrl-C): the persisted KV can be tens of MiB.
    process.once('exit', () => rmSync(tmp, { recursive: true, force: true }))
    const [script, compat, fakes, db] = await Promise.all([
      bundleWorker(tmp, WORKER_ROOT),
      readCompatibility(WORKER_ROOT),
      startServiceProcess<{ url: string }>('fakes'),
      startServiceProcess<DatabaseInfo>('db'),
    ])
    cleanups.push(fakes.stop, db.stop)
    const fakeHost = new URL(fakes.info.url).hostname
    assert(fakeHost === HOST, `the fake providers listen on ${fakeHost}, expected ${HOST}`)

    const worker = new Worker(script, compat, db.info, path.join(tmp, 'kv'))
    cleanups.push(() => worker.stop())
    await worker.start()
    console.error(
      `bench-read: ${db.info.kind === 'postgres' ? 'Postgres at DATABASE_URL' : 'embedded PGlite'} and fake providers ` +
        `at ${fakes.info.url} in child processes; Worker at ${worker.base.origin} ` +
        `(workerd pid ${worker.pids.join(', ') || 'unknown: no RSS or idle detection'}); ` +
        `compat ${compat.compatibilityDate} [${compat.compatibilityFlags.join(', ')}]; ` +
        `${WORKER_ROOT ? `Worker bundled from ${WORKER_ROOT}; ` : ''}` +
        `setup ${fmtMs(performance.now() - benchStarted)}`,
    )

    const existing = await call(worker.base, 'GET', '/backends')
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
          const { status } = await call(worker.base, 'DELETE', `/backends/${id}`)
          if (status !== 200) console.error(`bench-read: DELETE /backends/${id} answered ${status}`)
        }),
      )
    }

    // Before any read fleet, on backends of its own (deleted after): the read tables start from a clean slate.
    let kvUsed = false
    if (PUBLISH_N > 0) {
      checkStop('the publish share')
      await publishShare(worker.base, fakes.info.url, created)
      kvUsed = true
    }

    const fleet: Fleet = { fakeUrl: fakes.info.url, prefix: 'b', delayMs: 0, ids: [] }
    const kvRows: KvWriteCycles[] = []
    for (const n of NS) {
      checkStop(`building N=${n}`)
      // An empty KV, so that the first publish at this N is a full one (not a diff against a smaller N's snapshot).
      if (kvUsed) await worker.freshKv(path.join(tmp, `kv-${n}`))
      kvUsed = true
      const t = performance.now()
      await declareBackends(worker.base, fleet, n, created)
      console.error(`bench-read: N=${n}: declared the fleet in ${fmtMs(performance.now() - t)}`)
      const cycleAt = async (phase: (typeof KV_PHASES)[number]) => {
        checkStop(`the ${phase} cycle at N=${n}`)
        const cycle = await runCycle(worker.base, n, fakes.info.url)
        console.error(
          `bench-read: N=${n}: ${phase} cycle ${fmtMs(cycle.wallMs)} wall (durationMs ${cycle.run.durationMs}, ` +
            `kvWrites ${cycle.run.kvWrites ?? '?'}, publish ${cycle.run.publish ? `${cycle.run.publish.kvWrites} writes in ${cycle.run.publish.ms} ms` : '?'}), ` +
            `workerd RSS ${Math.round(rssMiB(worker.pids) ?? 0)} MiB`,
        )
        console.log(
          JSON.stringify({
            bench: 'read-cycle',
            n,
            models: MODELS,
            phase,
            wallMs: Math.round(cycle.wallMs),
            ...cycle.run,
          }),
        )
        return cycle
      }
      const first = await cycleAt('first')
      const unchanged = await cycleAt('unchanged')
      await setModels(worker.base, fleet, LONG_BACKENDS, MODELS - 1)
      const oneBackendChange = await cycleAt('oneBackendChange')
      assert(oneBackendChange.run.snapshotWritten !== false, `N=${n}: one backend changed, but nothing was published`)
      // Back to the original fleet for the loads.
      await setModels(worker.base, fleet, LONG_BACKENDS, MODELS)
      const restore = await cycleAt('restore')
      const kv: KvWriteCycles = { n, first, unchanged, oneBackendChange, restore }
      kvRows.push(kv)
      console.log(JSON.stringify(kvWritesJson(kv)))
      const routes = await prepareRoutes(worker.base, n)
      await warmUp(worker, routes)
      for (const connections of CONNECTIONS) {
        const healthz = routes.find((route) => route.name === '/healthz')!
        for (const route of [...routes, { ...healthz, name: HEALTHZ_AGAIN }]) {
          const r = await loadRoute(worker, route, n, connections)
          results.push(r)
          console.log(JSON.stringify({ bench: 'read', ...r }))
          console.error(
            `bench-read: N=${n} c=${connections} ${route.name}: ${fmtRps(r.rps)} req/s, p50 ${fmtMs(r.p50Ms)}, ` +
              `p99 ${fmtMs(r.p99Ms)}, ${r.errors} errors, ${r.timeouts} timeouts, ` +
              `${r.inFlightAtStop} in flight at stop (oldest ${fmtMs(r.oldestInFlightMs)}), ` +
              `${r.unexpectedCount} unexpected, /healthz after ${r.healthzAfterMs === null ? `> ${RECOVER_S} s` : fmtMs(r.healthzAfterMs)}, ` +
              `idle after ${r.idleAfterMs === null ? (r.restarted ? 'restart' : '?') : fmtMs(r.idleAfterMs)}, ` +
              `workerd ${r.workerdPeakRssMiB ?? '?'} MiB`,
          )
          checkStop(`the next run after ${route.name} at N=${n}, ${connections} connections`)
          await sleep(PAUSE_MS)
        }
      }
      printTable(n, routes, results, kv)
    }
    if (kvRows.length > 1) printKvWrites(kvRows, 'KV writes of the publish step, every N')
    console.error(`bench-read: workerd was restarted ${worker.restarts} time(s)`)
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

await main()
