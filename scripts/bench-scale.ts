/**
 * Scale benchmark: `npm run bench:scale` (issue 15, "Bench and figures").
 *
 * Runs the real Worker (wrangler's deploy bundle, as scripts/bench.ts does) in workerd through
 * Miniflare against N fake vLLM backends (test/fake-providers): each answers its model list after
 * 200 ms, except every 100th by name that never answers (`hang`, so PROBE_TIMEOUT_MS, 10 s, ends it)
 * and every 100th that answers 500. For each N in BENCH_SCALE_NS (default 100,1000,10000) and each
 * mode in BENCH_SCALE_MODES it triggers one cron cycle on a fresh database and measures it (and, for
 * the modes in BENCH_SCALE_SECOND_CYCLE, the next cycle on the same fleet, the steady state):
 *
 * - `single`: no PROBE_QUEUE binding; plan → observe(all) → publish in the one cron invocation.
 * - `fanout`: Miniflare's own queues (`queueProducers`/`queueConsumers`: runtimestate-probes with
 *   max_batch_size 1, max_retries 3 and the dead-letter queue runtimestate-probes-dlq, which the
 *   Worker consumes too, as in the README's production wrangler.toml). Miniflare's queue broker
 *   hands a consumer the next batch only when the previous one is done, so it runs one consumer
 *   invocation at a time (K = 1); the table says what K was, measured.
 * - `fanout-k`: the same Worker and messages, but the bench itself is the queue: the Worker's
 *   PROBE_QUEUE sends reach the bench, which delivers each message (batch size 1, max_retries 3, then
 *   the -dlq queue) through Miniflare's `getWorker().queue()` with up to K consumer invocations at
 *   once, as production's autoscaled consumers would (one set of runs per K in BENCH_SCALE_K, default
 *   10,200; production allows max_concurrency up to 250). Not Miniflare's queue.
 *
 * Then 500 backends that all hang (BENCH_SCALE_STALL_N; 0 skips), single invocation, PROBE_CONCURRENCY
 * 5 (the default), PROBE_TIMEOUT_MS 10 s and CYCLE_BUDGET_MS BENCH_SCALE_STALL_BUDGET_MS (default
 * 600 000): the cycle must publish within that budget + 30 s.
 *
 * How each figure is measured (the README's "Scale bench" says the same):
 * - The Worker's entry is wrapped by a small shim module (written next to the bundle): it counts, per
 *   invocation, fetches, database WebSockets, KV operations (and bytes put), queue messages sent (and
 *   their JSON bytes), the most of those open at once, and logs one JSON line with its start and end
 *   (Date.now() in workerd). The Worker's own counters come from `GET /runs` (`maxPerInvocation`) and
 *   its `"msg":"reconcile cycle"` log lines (`usage`, `publish`).
 * - Wall time: from the bench calling `scheduled()` to the run's `finishedAt` in `GET /runs`, asked once
 *   the single invocation returned or the publisher logged its line (every 30 s otherwise).
 * - K: the most shard-carrying consumer invocations whose [start, end] overlap (shim timestamps),
 *   cross-checked with the fake server's most requests in flight divided by PROBE_CONCURRENCY.
 * - CPU: workerd's process CPU time (utime + stime in /proc/<pid>/stat, sampled every 20 ms), taken
 *   over each invocation's [start, end]; a stretch of time in which several invocations ran is split
 *   evenly among them, so it is exact per invocation only when they do not overlap (K = 1). It
 *   includes workerd's own work (Miniflare's KV and queue simulators run in the same process): an
 *   upper bound of the Worker's CPU time.
 * - Postgres statements: counted on the wire, by a TCP proxy between the Neon driver's WebSocket proxy
 *   and Postgres that counts Query ('Q') and Execute ('E') messages of the cycle's invocations (the
 *   shim routes the fetch handler's sockets, e.g. the bench's GET /runs polls, around it).
 *
 * Knobs: BENCH_SCALE_NS, BENCH_SCALE_MODES (single,fanout,fanout-k), BENCH_SCALE_K (10,200),
 * BENCH_SCALE_SECOND_CYCLE (modes that also measure the next cycle on the same fleet: single,fanout-k),
 * BENCH_SCALE_CYCLE_BUDGET_MS (600000), BENCH_SCALE_STALL_N (500), BENCH_SCALE_STALL_BUDGET_MS
 * (600000), BENCH_SCALE_CONCURRENCY (PROBE_CONCURRENCY, 6), BENCH_SCALE_DELAY_MS (200),
 * BENCH_SCALE_SHARD_SIZE (50), BENCH_VERBOSE=1. Database: a fresh in-memory PGlite per run (in a child
 * process), or the Postgres at DATABASE_URL (it must declare no backends; the bench deletes what it
 * created). Nothing but 127.0.0.1 is contacted.
 */
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Log, LogLevel, Miniflare, type MiniflareOptions } from 'miniflare'
import pg from 'pg'
import { type DatabaseInfo, startServiceProcess } from './bench-hostile'
import {
  BenchError,
  type Compatibility,
  type WorkerBundle,
  adminCall,
  assert,
  bundleWorker,
  captureStdio,
  readCompatibility,
  root,
  workerOutput,
} from './bench-worker'
import { startWsProxy } from './local/ws-proxy'

type Mode = 'single' | 'fanout' | 'fanout-k'
const MODES_ALL: readonly Mode[] = ['single', 'fanout', 'fanout-k']

const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value < 0) throw new BenchError(`${name} must be a number ≥ 0`)
  return value
}
const NS = (process.env.BENCH_SCALE_NS ?? '100,1000,10000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => n > 0)
const MODES = (process.env.BENCH_SCALE_MODES ?? MODES_ALL.join(',')).split(',').map((s) => s.trim()) as Mode[]
const DELAY_MS = knob('BENCH_SCALE_DELAY_MS', 200)
const CONCURRENCY = knob('BENCH_SCALE_CONCURRENCY', 6)
const CYCLE_BUDGET_MS = knob('BENCH_SCALE_CYCLE_BUDGET_MS', 600_000)
/** fanout-k: the most consumer invocations the bench runs at once, one set of runs per value. */
const BENCH_QUEUE_KS = (process.env.BENCH_SCALE_K ?? '10,200')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((k) => k > 0)
const SHARD_SIZE = knob('BENCH_SCALE_SHARD_SIZE', 50)
const STALL_N = knob('BENCH_SCALE_STALL_N', 500)
/** Modes that also measure a second cycle on the same fleet (the steady state the monthly cost is about). */
const WARM_MODES = (process.env.BENCH_SCALE_SECOND_CYCLE ?? 'single,fanout-k').split(',').map((s) => s.trim())
const STALL_BUDGET_MS = knob('BENCH_SCALE_STALL_BUDGET_MS', 600_000)
/** The Worker's default PROBE_CONCURRENCY: the stall case is about the defaults. */
const STALL_CONCURRENCY = 5
const PROBE_TIMEOUT_MS = 10_000
const SUBREQUEST_BUDGET = 1_000
const KV_OPS_BUDGET = 1_000
const MAX_RETRIES = 3
/** GET /runs while a cycle runs only this often (see runCase): its own signals say when it is done. */
const SAFETY_POLL_MS = 30_000
const CRON = '*/5 * * * *'
const PROBE_QUEUE = 'runtimestate-probes'
const DEAD_LETTER_QUEUE = 'runtimestate-probes-dlq'
const ADMIN_TOKEN = `bench-${randomBytes(12).toString('hex')}`

/** Platform limits per invocation (paid plan, defaults) that every invocation is checked against. */
const LIMITS = { wallMs: 15 * 60_000, cpuMs: 30_000, connections: 6, subrequests: 10_000, kvOps: 1_000 }

/**
 * Prices, checked on 2026-12-07 (search corpus "docs"):
 * - Workers Paid, Standard usage model: developers.cloudflare.com/workers/platform/pricing/
 *   ($5 a month minimum; 10 M requests included then $0.30/M; 30 M CPU ms included then $0.02/M CPU ms).
 * - Workers KV: developers.cloudflare.com/kv/platform/pricing/ (reads 10 M/month then $0.50/M; writes,
 *   deletes and lists 1 M/month each then $5.00/M; storage 1 GB then $0.50/GB-month).
 * - Queues: developers.cloudflare.com/queues/platform/pricing/ (1 M operations/month then $0.40/M; an
 *   operation per 64 KB written, read or deleted, ~100 bytes of metadata per message; 3 per delivery;
 *   each retry one more read; a dead-lettered message one more write).
 * - Neon Launch plan: neon.com/docs/introduction/plans ($0.106/CU-hour, $0.35/GB-month storage, public
 *   network transfer 100 GB/month included then $0.10/GB; scale to zero after 5 minutes idle; 0.25 CU
 *   the smallest compute).
 */
const PRICES = {
  checked: '2026-12-07',
  workersMonthly: 5,
  requests: { included: 10e6, perMillion: 0.3 },
  cpuMs: { included: 30e6, perMillion: 0.02 },
  queueOps: { included: 1e6, perMillion: 0.4 },
  kvReads: { included: 10e6, perMillion: 0.5 },
  kvWrites: { included: 1e6, perMillion: 5 },
  kvDeletes: { included: 1e6, perMillion: 5 },
  kvLists: { included: 1e6, perMillion: 5 },
  neonCuHour: 0.106,
  neonStorageGbMonth: 0.35,
  neonCu: 0.25,
  /** Public network transfer (data sent from the database): 100 GB a month included, then $0.10/GB. */
  neonTransfer: { includedGb: 100, perGb: 0.1 },
}
/** A 5-minute cron over a 30-day month. */
const CYCLES_PER_MONTH = 30 * 24 * 12
const HOURS_PER_MONTH = 730

// ---------------------------------------------------------------------------------------------
// The shim around the Worker's entry.

/** Loaded first: wraps fetch and WebSocket before the Worker's modules capture them. */
const SHIM_PATCH = `
import { AsyncLocalStorage } from 'node:async_hooks'
export const als = new AsyncLocalStorage()
/** The counted database proxy, and the uncounted one that sockets outside a cycle invocation use. */
export const dbRoute = { counted: '', uncounted: '' }
const realFetch = globalThis.fetch
export const rawFetch = (input, init) => realFetch.call(globalThis, input, init)
globalThis.fetch = function benchFetch(input, init) {
  const store = als.getStore()
  if (!store) return rawFetch(input, init)
  store.fetches++
  const done = store.open(false)
  let pending
  try {
    pending = rawFetch(input, init)
  } catch (error) {
    done()
    throw error
  }
  return pending.finally(done)
}
const RealWebSocket = globalThis.WebSocket
if (RealWebSocket) {
  globalThis.WebSocket = new Proxy(RealWebSocket, {
    construct(target, args) {
      const store = als.getStore()
      let [url, ...rest] = args
      if (!store && dbRoute.counted && dbRoute.uncounted) {
        url = String(url).replace('//' + dbRoute.counted + '/', '//' + dbRoute.uncounted + '/')
      }
      const socket = Reflect.construct(target, [url, ...rest])
      if (store) {
        // Counted while it waits for its 101, as production counts connections waiting for headers.
        store.dbSockets++
        const done = store.open(true)
        socket.addEventListener('open', done)
        socket.addEventListener('close', done)
        socket.addEventListener('error', done)
      }
      return socket
    },
  })
}
`

const SHIM_MAIN = `
import { als, dbRoute, rawFetch } from './bench-shim-patch.js'
import worker from './index.js'

const encoder = new TextEncoder()
const jsonBytes = (value) => encoder.encode(JSON.stringify(value) ?? '').length
/** Queues bill per 64 KB (1 KB = 1 000 bytes), with about 100 bytes of metadata per message. */
const chunks = (bytes) => Math.max(1, Math.ceil((bytes + 100) / 64000))
const byteLength = (value) =>
  typeof value === 'string' ? encoder.encode(value).length
  : value instanceof ArrayBuffer || ArrayBuffer.isView(value) ? value.byteLength
  : 0

function newStore(kind) {
  const store = {
    kind, fetches: 0, dbSockets: 0, maxOpen: 0, maxOpenNoDb: 0,
    kv: { get: 0, keys: 0, put: 0, delete: 0, list: 0 }, kvBytes: 0,
    sent: { calls: 0, messages: 0, bytes: 0, chunks: 0, delayed: 0, shard: 0, publish: 0 },
  }
  let open = 0
  let openNoDb = 0
  Object.defineProperty(store, 'open', {
    enumerable: false,
    value: (db) => {
      open++
      store.maxOpen = Math.max(store.maxOpen, open)
      if (!db) store.maxOpenNoDb = Math.max(store.maxOpenNoDb, ++openNoDb)
      let closed = false
      return () => {
        if (closed) return
        closed = true
        open--
        if (!db) openNoDb--
      }
    },
  })
  return store
}

const KV_OPS = { get: 'get', getWithMetadata: 'get', put: 'put', delete: 'delete', list: 'list' }
function countedKv(kv, store) {
  return new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop)
      if (typeof value !== 'function') return value
      const op = typeof prop === 'string' ? KV_OPS[prop] : undefined
      if (!op) return value.bind(target)
      return async (...args) => {
        store.kv[op]++
        if (op === 'get') store.kv.keys += Array.isArray(args[0]) ? args[0].length : 1
        if (op === 'put') store.kvBytes += byteLength(args[1])
        const done = store.open(false)
        try {
          return await value.apply(target, args)
        } finally {
          done()
        }
      }
    },
  })
}

/** The bench as the queue (mode fanout-k): messages go to it, and it delivers them. */
function benchQueue(url) {
  const post = async (messages) => {
    const response = await rawFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages }),
    })
    await response.arrayBuffer()
    if (!response.ok) throw new Error('the bench queue answered ' + response.status)
  }
  return {
    send: (body, options) => post([{ body, delaySeconds: options?.delaySeconds ?? 0 }]),
    sendBatch: (messages, options) =>
      post(messages.map((m) => ({ body: m.body, delaySeconds: m.delaySeconds ?? options?.delaySeconds ?? 0 }))),
  }
}

function countedQueue(queue, store) {
  const note = (body, delaySeconds) => {
    const bytes = jsonBytes(body)
    store.sent.messages++
    store.sent.bytes += bytes
    store.sent.chunks += chunks(bytes)
    if (delaySeconds) store.sent.delayed++
    if (body?.kind === 'publish') store.sent.publish++
    else store.sent.shard++
  }
  const counted = async (call) => {
    store.sent.calls++
    const done = store.open(false)
    try {
      return await call()
    } finally {
      done()
    }
  }
  return {
    send: (body, options) => {
      note(body, options?.delaySeconds)
      return counted(() => queue.send(body, options))
    },
    sendBatch: (messages, options) => {
      for (const m of messages) note(m.body, m.delaySeconds ?? options?.delaySeconds)
      return counted(() => queue.sendBatch(messages, options))
    },
  }
}

function route(env) {
  if (env.BENCH_DB_COUNTED) {
    dbRoute.counted = env.BENCH_DB_COUNTED
    dbRoute.uncounted = env.BENCH_DB_UNCOUNTED
  }
}

async function invocation(kind, env, extra, call) {
  route(env)
  const store = newStore(kind)
  const queue = env.BENCH_QUEUE_URL ? benchQueue(env.BENCH_QUEUE_URL) : env.PROBE_QUEUE
  const wrapped = { ...env, KV: countedKv(env.KV, store), ...(queue ? { PROBE_QUEUE: countedQueue(queue, store) } : {}) }
  const start = Date.now()
  console.log(JSON.stringify({ bench: 'inv-start', kind, start }))
  let error
  try {
    return await als.run(store, () => call(wrapped))
  } catch (e) {
    error = String(e?.stack ?? e)
    throw e
  } finally {
    console.log(JSON.stringify({ bench: 'inv', ...extra, ...store, start, end: Date.now(), ...(error ? { error } : {}) }))
  }
}

export default {
  fetch(request, env, ctx) {
    route(env)
    return worker.fetch(request, env, ctx)
  },
  scheduled(controller, env, ctx) {
    return invocation('scheduled', env, {}, (wrapped) => worker.scheduled(controller, wrapped, ctx))
  },
  queue(batch, env, ctx) {
    const msgs = { shard: 0, publish: 0, bytes: 0, chunks: 0, retries: 0 }
    for (const m of batch.messages) {
      const bytes = jsonBytes(m.body)
      if (m.body?.kind === 'publish') msgs.publish++
      else msgs.shard++
      msgs.bytes += bytes
      msgs.chunks += chunks(bytes)
      if (m.attempts > 1) msgs.retries++
    }
    return invocation('queue', env, { queue: batch.queue, msgs }, (wrapped) => worker.queue(batch, wrapped, ctx))
  },
}
`

// ---------------------------------------------------------------------------------------------
// What the shim and the Worker log.

interface Invocation {
  kind: 'scheduled' | 'queue'
  queue?: string
  msgs?: { shard: number; publish: number; bytes: number; chunks: number; retries: number }
  fetches: number
  dbSockets: number
  maxOpen: number
  maxOpenNoDb: number
  kv: { get: number; keys: number; put: number; delete: number; list: number }
  kvBytes: number
  sent: {
    calls: number
    messages: number
    bytes: number
    chunks: number
    delayed: number
    shard: number
    publish: number
  }
  start: number
  end: number
  error?: string
}

interface CycleLog {
  runId: string
  outcome: string
  durationMs: number
  backends: number
  deferred: number
  usage: { subrequests: number; kvOps: number; maxConnections: number }
  publish?: { kvWrites: number; ms: number }
  kvWrites: number
  warnings?: string[]
  error?: string
}

interface RunRecord {
  id: string
  startedAt: string
  finishedAt: string | null
  outcome: string
  error: string | null
  backendsTotal: number
  backendsHealthy: number
  backendsFailed: number
  deferred: number
  maxPerInvocation: { subrequests: number; kvOps: number }
  fanOut: { planned: number; deadline: string } | null
}

/** What the current run's Worker said, parsed from its stdout. */
const seen = {
  invocations: [] as Invocation[],
  starts: 0,
  cycles: [] as CycleLog[],
  /** The planner's summary: `"msg":"reconcile cycle planned"` (older Workers logged it as "reconcile cycle"). */
  planned: [] as (Partial<CycleLog> & { shards?: number })[],
  reset() {
    this.invocations = []
    this.starts = 0
    this.cycles = []
    this.planned = []
  },
}

function onWorkerLine(line: string) {
  if (!line.startsWith('{')) return
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(line) as Record<string, unknown>
  } catch {
    return
  }
  if (parsed.bench === 'inv-start') seen.starts++
  else if (parsed.bench === 'inv') seen.invocations.push(parsed as unknown as Invocation)
  else if (parsed.msg === 'reconcile cycle') seen.cycles.push(parsed as unknown as CycleLog)
  else if (parsed.msg === 'reconcile cycle planned') seen.planned.push(parsed)
}

// ---------------------------------------------------------------------------------------------
// Measuring instruments.

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

function procStat(pid: number): { comm: string; ppid: number; cpuMs: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return {
    comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    ppid: Number(fields[1]),
    cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS,
  }
}

/** The workerd processes this bench started (Miniflare spawns workerd as our child). */
function workerdPids(): Set<number> {
  const pids = new Set<number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = procStat(Number(entry))
      if (stat.comm === 'workerd' && stat.ppid === process.pid) pids.add(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return pids
}

/** workerd's CPU time, sampled every 20 ms; `at(t)` interpolates it at a wall-clock time. */
class CpuSampler {
  private readonly samples: [number, number][] = []
  private readonly timer: NodeJS.Timeout

  constructor(private readonly pid: number) {
    this.sample()
    this.timer = setInterval(() => this.sample(), 20)
  }

  private sample() {
    try {
      this.samples.push([Date.now(), procStat(this.pid).cpuMs])
    } catch {
      // the process ended
    }
  }

  at(t: number): number {
    const s = this.samples
    if (s.length === 0) return 0
    if (t <= s[0]![0]) return s[0]![1]
    let lo = 0
    let hi = s.length - 1
    if (t >= s[hi]![0]) return s[hi]![1]
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1
      if (s[mid]![0] <= t) lo = mid
      else hi = mid
    }
    const [t0, c0] = s[lo]!
    const [t1, c1] = s[hi]!
    return t1 === t0 ? c1 : c0 + ((c1 - c0) * (t - t0)) / (t1 - t0)
  }

  stop() {
    this.sample()
    clearInterval(this.timer)
  }
}

interface WireCounts {
  statements: number
  connections: number
  bytesToServer: number
  bytesToClient: number
}

/**
 * A TCP proxy in front of Postgres that counts what clients send: each Query ('Q') and Execute ('E')
 * message is one statement the server runs (the driver sends Parse/Bind/Execute for a query with
 * parameters, a simple Query otherwise).
 */
async function startStatementCounter(target: { host: string; port: number }) {
  const counts: WireCounts = { statements: 0, connections: 0, bytesToServer: 0, bytesToClient: 0 }
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    counts.connections++
    const upstream = net.connect(target)
    sockets.add(client).add(upstream)
    let pending: Buffer = Buffer.alloc(0)
    let startup = true
    client.on('data', (chunk: Buffer) => {
      counts.bytesToServer += chunk.length
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      for (;;) {
        if (startup) {
          // Untyped: SSLRequest / GSSENCRequest (then the startup message), or the startup message.
          if (pending.length < 8) break
          const length = pending.readInt32BE(0)
          if (pending.length < length) break
          const code = pending.readInt32BE(4)
          pending = pending.subarray(length)
          if (code !== 80877103 && code !== 80877104) startup = false
          continue
        }
        if (pending.length < 5) break
        const length = pending.readInt32BE(1)
        if (pending.length < 1 + length) break
        const type = pending[0]
        if (type === 0x51 || type === 0x45) counts.statements++
        pending = pending.subarray(1 + length)
      }
    })
    upstream.on('data', (chunk: Buffer) => (counts.bytesToClient += chunk.length))
    client.pipe(upstream)
    upstream.pipe(client)
    const close = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', close)
    upstream.on('error', close)
    client.on('close', close)
    upstream.on('close', close)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    counts,
    reset() {
      Object.assign(counts, { statements: 0, connections: 0, bytesToServer: 0, bytesToClient: 0 })
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

interface WorkerEntry {
  scheduled(options: { cron?: string; scheduledTime?: Date }): Promise<unknown>
  queue(
    queueName: string,
    messages: { id: string; timestamp: Date; body: unknown; attempts: number }[],
  ): Promise<{
    outcome: string
    retryBatch: { retry: boolean }
    retryMessages: { msgId: string }[]
  }>
}

interface BenchMessage {
  id: string
  body: unknown
  attempts: number
  queue: string
}

/**
 * Mode fanout-k: the bench as the queue. It takes the Worker's sends over HTTP and delivers each
 * message in its own batch, up to `k` invocations at once, retrying a failed one up to MAX_RETRIES
 * times before moving it to the dead-letter queue (the Worker consumes that one too).
 */
async function startBenchQueue(k: number) {
  let deliver: ((queue: string, message: BenchMessage) => Promise<boolean>) | undefined
  const waiting: BenchMessage[] = []
  const timers = new Set<NodeJS.Timeout>()
  let running = 0
  let stopped = false
  const push = (message: BenchMessage) => {
    if (stopped) return
    waiting.push(message)
    pump()
  }
  const pump = () => {
    while (deliver && !stopped && running < k && waiting.length > 0) {
      const message = waiting.shift()!
      running++
      void deliver(message.queue, message)
        .catch(() => false)
        .then((ok) => {
          running--
          if (!ok) {
            if (message.attempts <= MAX_RETRIES) push({ ...message, attempts: message.attempts + 1 })
            else if (message.queue !== DEAD_LETTER_QUEUE) push({ ...message, queue: DEAD_LETTER_QUEUE, attempts: 1 })
          }
          pump()
        })
    }
  }
  const server = http.createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      try {
        const { messages } = JSON.parse(body) as { messages: { body: unknown; delaySeconds: number }[] }
        for (const m of messages) {
          const message: BenchMessage = {
            id: randomUUID().replaceAll('-', ''),
            body: m.body,
            attempts: 1,
            queue: PROBE_QUEUE,
          }
          if (m.delaySeconds > 0) {
            const timer = setTimeout(() => {
              timers.delete(timer)
              push(message)
            }, m.delaySeconds * 1000)
            timers.add(timer)
          } else push(message)
        }
        res.writeHead(200).end('{}')
      } catch (error) {
        res.writeHead(400).end(String(error))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`,
    start(worker: WorkerEntry) {
      deliver = async (queue, message) => {
        const result = await worker.queue(queue, [
          { id: message.id, timestamp: new Date(), body: message.body, attempts: message.attempts },
        ])
        return (
          result.outcome === 'ok' &&
          !result.retryBatch.retry &&
          !result.retryMessages.some((r) => r.msgId === message.id)
        )
      }
      pump()
    },
    dropDelayed() {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
    },
    close: () =>
      new Promise<void>((resolve) => {
        stopped = true
        for (const timer of timers) clearTimeout(timer)
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

// ---------------------------------------------------------------------------------------------
// One measured cycle.

interface Case {
  label: string
  n: number
  mode: Mode
  /** fanout-k: how many consumer invocations the bench's queue runs at once at most. */
  queueK?: number
  stall: boolean
  concurrency: number
  budgetMs: number
}

type Phase = 'first' | 'second'

interface Row extends Case {
  /** The first cycle on the fresh fleet (everything new), or the one after it on the same fleet. */
  phase: Phase
  outcome: string
  error?: string
  k: number
  kByOverlap: number
  kByInFlight: number
  fakeMaxInFlight: number
  probed: number
  /** Model-list requests the fake providers received (one per probe). */
  probeCalls: number
  deferred: number
  healthy: number
  wallMs: number
  idealMs: number
  /**
   * A lower bound that counts the hung probes: every probe's time (200 ms, or the 10 s timeout)
   * spread over PROBE_CONCURRENCY × K slots, and never below one timeout when a backend hangs.
   */
  idealWithTimeoutsMs: number
  /** The publish step (KV writes) as the Worker logs it, and the publishing invocation's own time. */
  publishKvMs: number
  publishInvocationMs: number | null
  invocations: number
  consumerInvocations: number
  maxInvocationMs: number
  maxSubrequestsWorker: number
  maxSubrequestsShim: number
  maxKvOpsWorker: number
  maxKvOpsShim: number
  maxConnections: number
  maxConnectionsNoDb: number
  maxConnectionsWorker: number
  /** Per invocation, workerd's CPU in its [start, end]; time shared with other invocations split evenly. */
  maxCpuMs: number
  cpuOverlap: boolean
  meanCpuMs: number
  cpuTotalMs: number
  messages: number
  messageBytes: number
  queueOps: number
  kvReads: number
  kvWrites: number
  kvDeletes: number
  kvLists: number
  kvBytesWritten: number
  pgStatements: number
  pgConnections: number
  pgBytes: number
  /** What Postgres sent (Neon bills it as network transfer past 100 GB a month). */
  pgBytesFromServer: number
  dbBytes: number
  cost: Cost
  budgetViolations: string[]
}

interface Cost {
  requests: number
  cpu: number
  queues: number
  kv: number
  cloudflare: number
  neonCompute: number
  neonStorage: number
  neonTransfer: number
  total: number
}

const idOf = (i: number) => {
  const h = createHash('sha256').update(`runtimestate-bench-scale-${i}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** Every 100th backend by name hangs, every 100th fails with 500: 1 % each. */
const behaviourOf = (i: number, stall: boolean) =>
  stall ? 'hang' : i % 100 === 50 ? 'hang' : i % 100 === 99 ? 'status-500' : `delay-${DELAY_MS}`

/** Declares N vLLM backends in one INSERT (POST /backends one at a time takes minutes at 10 000). */
async function declareBackends(databaseUrl: string, fakeUrl: string, n: number, stall: boolean) {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const existing = await client.query<{ n: string }>('select count(*) as n from backends')
    assert(
      Number(existing.rows[0]?.n) === 0,
      `the database already declares ${existing.rows[0]?.n} backends; the bench needs an empty one`,
    )
    const ids = Array.from({ length: n }, (_, i) => idOf(i))
    const names = ids.map((_, i) => `scale-b${String(i).padStart(5, '0')}`)
    const urls = ids.map((_, i) => `${fakeUrl}/vllm/${behaviourOf(i, stall)}/b${i}`)
    const started = performance.now()
    await client.query(
      `insert into backends (id, name, base_url, type)
       select id, name, url, 'vllm' from unnest($1::text[], $2::text[], $3::text[]) as t(id, name, url)`,
      [ids, names, urls],
    )
    return { ids, ms: performance.now() - started }
  } finally {
    await client.end()
  }
}

async function databaseSize(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const result = await client.query<{ size: string }>('select pg_database_size(current_database()) as size')
    return Number(result.rows[0]?.size ?? 0)
  } finally {
    await client.end()
  }
}

/** For DATABASE_URL: deletes what this run created, and nothing else. */
async function forgetRun(databaseUrl: string, ids: string[], runIds: string[]) {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    await client.query('delete from cycle_observations where run_id = any($1::text[])', [runIds])
    await client.query('delete from reconcile_lease where run_id = any($1::text[])', [runIds])
    await client.query('delete from reconcile_runs where id = any($1::text[])', [runIds])
    await client.query('delete from fleet_events where backend_id = any($1::text[])', [ids])
    await client.query('delete from backend_health where backend_id = any($1::text[])', [ids])
    await client.query('delete from backends where id = any($1::text[])', [ids])
  } finally {
    await client.end()
  }
}

function maxOverlap(intervals: [number, number][]): number {
  const edges = intervals.flatMap(([s, e]) => [
    [s, 1],
    [e, -1],
  ])
  // An invocation that ends at the very millisecond another starts did not overlap it.
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!)
  let open = 0
  let most = 0
  for (const [, delta] of edges) most = Math.max(most, (open += delta!))
  return most
}

const monthly = (perCycle: number, price: { included: number; perMillion: number }) =>
  (Math.max(0, perCycle * CYCLES_PER_MONTH - price.included) / 1e6) * price.perMillion

function costOf(r: {
  invocations: number
  cpuTotalMs: number
  queueOps: number
  kvReads: number
  kvWrites: number
  kvDeletes: number
  kvLists: number
  dbBytes: number
  pgBytesFromServer: number
}): Cost {
  const requests = monthly(r.invocations, PRICES.requests)
  const cpu = monthly(r.cpuTotalMs, PRICES.cpuMs)
  const queues = monthly(r.queueOps, PRICES.queueOps)
  const kv =
    monthly(r.kvReads, PRICES.kvReads) +
    monthly(r.kvWrites, PRICES.kvWrites) +
    monthly(r.kvDeletes, PRICES.kvDeletes) +
    monthly(r.kvLists, PRICES.kvLists)
  const cloudflare = PRICES.workersMonthly + requests + cpu + queues + kv
  // A 5-minute cron never leaves Neon idle for its 5-minute scale-to-zero: the compute runs all month.
  const neonCompute = PRICES.neonCu * HOURS_PER_MONTH * PRICES.neonCuHour
  const neonStorage = (r.dbBytes / 1e9) * PRICES.neonStorageGbMonth
  const transferGb = (r.pgBytesFromServer * CYCLES_PER_MONTH) / 1e9
  const neonTransfer = Math.max(0, transferGb - PRICES.neonTransfer.includedGb) * PRICES.neonTransfer.perGb
  return {
    requests,
    cpu,
    queues,
    kv,
    cloudflare,
    neonCompute,
    neonStorage,
    neonTransfer,
    total: cloudflare + neonCompute + neonStorage + neonTransfer,
  }
}

async function runCase(c: Case, ctx: { script: WorkerBundle; compat: Compatibility; tmp: string; fakeUrl: string }) {
  const cleanups: (() => Promise<unknown>)[] = []
  try {
    const db = await startServiceProcess<DatabaseInfo>('db')
    cleanups.push(() => db.stop())
    const target = new URL(db.info.databaseUrl)
    const counter = await startStatementCounter({ host: target.hostname, port: Number(target.port || 5432) })
    cleanups.push(() => counter.close())
    const countedProxy = await startWsProxy({ host: '127.0.0.1', port: counter.port })
    cleanups.push(() => countedProxy.close())
    const declared = await declareBackends(db.info.databaseUrl, ctx.fakeUrl, c.n, c.stall)
    const runIds: string[] = []
    if (db.info.kind === 'postgres') cleanups.push(() => forgetRun(db.info.databaseUrl, declared.ids, runIds))
    console.error(`bench-scale: ${c.label}: declared ${c.n} backends in one INSERT (${fmtMs(declared.ms)})`)

    const benchQueue = c.mode === 'fanout-k' ? await startBenchQueue(c.queueK ?? 1) : undefined
    if (benchQueue) cleanups.push(() => benchQueue.close())
    const before = workerdPids()
    const options: MiniflareOptions = {
      modules: [
        { type: 'ESModule', path: path.join(ctx.tmp, 'bench-shim.js'), contents: SHIM_MAIN },
        { type: 'ESModule', path: path.join(ctx.tmp, 'bench-shim-patch.js'), contents: SHIM_PATCH },
        { type: 'ESModule', path: ctx.script.path, contents: ctx.script.contents },
      ],
      modulesRoot: ctx.tmp,
      ...ctx.compat,
      kvNamespaces: ['KV'],
      cf: false,
      log: new Log(LogLevel.WARN),
      handleRuntimeStdio: captureStdio(c.label, onWorkerLine),
      bindings: {
        DATABASE_URL: db.info.databaseUrl,
        NEON_WS_PROXY: countedProxy.address,
        BENCH_DB_COUNTED: countedProxy.address,
        BENCH_DB_UNCOUNTED: db.info.wsProxy,
        ADMIN_TOKEN,
        PROBE_CONCURRENCY: String(c.concurrency),
        PROBE_TIMEOUT_MS: String(PROBE_TIMEOUT_MS),
        CYCLE_BUDGET_MS: String(c.budgetMs),
        SUBREQUEST_BUDGET: String(SUBREQUEST_BUDGET),
        KV_OPS_BUDGET: String(KV_OPS_BUDGET),
        SHARD_SIZE: String(SHARD_SIZE),
        ...(benchQueue ? { BENCH_QUEUE_URL: benchQueue.url } : {}),
      },
      ...(c.mode === 'fanout'
        ? {
            queueProducers: { PROBE_QUEUE },
            queueConsumers: {
              [PROBE_QUEUE]: {
                maxBatchSize: 1,
                maxBatchTimeout: 1,
                maxRetries: MAX_RETRIES,
                deadLetterQueue: DEAD_LETTER_QUEUE,
              },
              [DEAD_LETTER_QUEUE]: { maxBatchSize: 1, maxBatchTimeout: 1, maxRetries: MAX_RETRIES },
            },
          }
        : {}),
    }
    const mf = new Miniflare(options)
    cleanups.push(() => mf.dispose())
    await mf.ready
    const pid = [...workerdPids()].find((p) => !before.has(p))
    assert(pid, 'could not find the workerd process Miniflare started')
    const sampler = new CpuSampler(pid)
    cleanups.push(async () => sampler.stop())
    const admin = (method: string, route: string) =>
      adminCall((url, init) => mf.dispatchFetch(url, init), `http://bench.local${route}`, ADMIN_TOKEN, method)
    const worker = (await mf.getWorker()) as unknown as WorkerEntry
    benchQueue?.start(worker)

    // Warm the isolate (module evaluation is not the cycle's cost).
    const healthz = await admin('GET', '/healthz')
    assert(healthz.status === 200, `GET /healthz answered ${healthz.status}`)
    const rows: Row[] = []
    const phases: Phase[] = WARM_MODES.includes(c.mode) && !c.stall ? ['first', 'second'] : ['first']
    for (const phase of phases) {
      // From zero: the previous cycle's publish delayed to its deadline would only find it published.
      benchQueue?.dropDelayed()
      await fetch(`${ctx.fakeUrl}/__reset`)
      counter.reset()
      seen.reset()
      await sleep(200)

      const t0 = Date.now()
      const cpu0 = sampler.at(t0)
      const scheduled = worker.scheduled({ cron: CRON, scheduledTime: new Date(t0) })
      let returned = false
      void scheduled.then(
        () => (returned = true),
        () => (returned = true),
      )
      const timeoutMs = c.budgetMs + 5 * 60_000
      let run: RunRecord | undefined
      // GET /runs once the Worker says the run is recorded: the single invocation returned, or the
      // publisher logged its "reconcile cycle" line (or the planner or publisher failed). A poll
      // while the cycle runs would share PGlite's one session with it: pglite-socket interleaves the
      // connections' protocol messages, so another connection's Parse can replace the unnamed
      // statement between a query's Parse and Bind. A slow poll stays as a safety net.
      let polled = t0
      for (;;) {
        await sleep(250)
        const lines = [...seen.cycles, ...seen.planned]
        const recorded =
          c.mode === 'single'
            ? returned
            : seen.cycles.some((l) => l.publish !== undefined) ||
              seen.cycles.length >= 2 ||
              lines.some((l) => l.outcome !== undefined && l.outcome !== 'ok')
        if (!recorded && Date.now() - polled < SAFETY_POLL_MS) continue
        polled = Date.now()
        const { status, json } = await admin('GET', '/runs?limit=5')
        assert(status === 200, `GET /runs answered ${status}: ${JSON.stringify(json).slice(0, 300)}`)
        const runs = (json as { runs: RunRecord[] }).runs.filter((r) => Date.parse(r.startedAt) >= t0 - 1_000)
        run = runs.at(-1)
        if (run && run.outcome !== 'running' && run.finishedAt) break
        assert(Date.now() - t0 < timeoutMs, `${c.label}: no finished run after ${fmtMs(timeoutMs)}`)
      }
      runIds.push(run.id)
      await scheduled
      // Let invocations still running (the publisher's own end, waitUntil) end and their lines arrive.
      for (let quiet = 0, waited = 0; quiet < 3 && waited < 60; waited++) {
        await sleep(250)
        quiet = seen.starts === seen.invocations.length ? quiet + 1 : 0
      }
      const finishedAt = Date.parse(run.finishedAt)
      const cpuTotalMs = sampler.at(Math.max(finishedAt, ...seen.invocations.map((i) => i.end))) - cpu0
      const stats = await (await fetch(`${ctx.fakeUrl}/__stats`)).json<{ maxInFlight: number }>()
      const calls = await (await fetch(`${ctx.fakeUrl}/__calls`)).json<{ path: string }[]>()
      const row = summarize(c, phase, {
        run,
        t0,
        sampler,
        cpuTotalMs,
        fakeMaxInFlight: stats.maxInFlight,
        probeCalls: calls.filter((call) => call.path.endsWith('/v1/models')).length,
        wire: { ...counter.counts },
        dbBytes: await databaseSize(db.info.databaseUrl),
      })
      rows.push(row)
      console.log(JSON.stringify({ bench: 'scale', ...row }))
      console.error(
        `bench-scale: ${c.label} (${phase} cycle): ${row.outcome}, wall ${fmtMs(row.wallMs)} ` +
          `(ideal ${fmtMs(row.idealMs)}, K=${row.k}), ${row.probed} probed, ${row.deferred} deferred`,
      )
    }
    return rows
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup()
      } catch (error) {
        console.error(
          `bench-scale: ${c.label}: cleanup failed: ${error instanceof Error ? error.message : String(error)}`,
        )
      }
    }
  }
}

function summarize(
  c: Case,
  phase: Phase,
  m: {
    run: RunRecord
    t0: number
    sampler: CpuSampler
    cpuTotalMs: number
    fakeMaxInFlight: number
    probeCalls: number
    wire: WireCounts
    dbBytes: number
  },
): Row {
  const invocations = seen.invocations
  const consumers = invocations.filter((i) => i.kind === 'queue')
  const shardInvocations = consumers.filter((i) => (i.msgs?.shard ?? 0) > 0 && i.queue === PROBE_QUEUE)
  const kByOverlap = c.mode === 'single' ? 1 : maxOverlap(shardInvocations.map((i) => [i.start, i.end]))
  const kByInFlight = Math.ceil(m.fakeMaxInFlight / c.concurrency)
  const k = Math.max(1, kByOverlap)
  const wallMs = Date.parse(m.run.finishedAt!) - m.t0
  const idealMs = Math.ceil(c.n / (c.concurrency * k)) * DELAY_MS
  const overlapping = maxOverlap(invocations.map((i) => [i.start, i.end])) > 1
  const cpus = cpuShares(invocations, m.sampler)
  const publisherLog = seen.cycles.find((l) => l.runId === m.run.id && l.publish) ?? seen.cycles.find((l) => l.publish)
  // The publishing invocation: the consumer that carried a publish message and ran the longest.
  const publisher = consumers
    .filter((i) => (i.msgs?.publish ?? 0) > 0)
    .sort((a, b) => b.end - b.start - (a.end - a.start))[0]
  const kvOps = (i: Invocation) => i.kv.get + i.kv.put + i.kv.delete + i.kv.list
  const sum = (f: (i: Invocation) => number) => invocations.reduce((total, i) => total + f(i), 0)
  // Batches of one message: a redelivery reads its chunks again; a dead-lettered one is written to the
  // dead-letter queue and read from it (its delete replaces the first queue's).
  const retryReads = sum((i) => ((i.msgs?.retries ?? 0) > 0 ? (i.msgs?.chunks ?? 0) : 0))
  const deadLettered = sum((i) => (i.queue === DEAD_LETTER_QUEUE ? (i.msgs?.chunks ?? 0) : 0))
  const totals = {
    invocations: invocations.length + (c.mode === 'single' ? 0 : undelivered(invocations)),
    cpuTotalMs: m.cpuTotalMs,
    queueOps: 3 * sum((i) => i.sent.chunks) + retryReads + 2 * deadLettered,
    kvReads: sum((i) => i.kv.keys),
    kvWrites: sum((i) => i.kv.put),
    kvDeletes: sum((i) => i.kv.delete),
    kvLists: sum((i) => i.kv.list),
    dbBytes: m.dbBytes,
    pgBytesFromServer: m.wire.bytesToClient,
  }
  const maxSubrequestsShim = Math.max(0, ...invocations.map((i) => i.fetches + i.dbSockets + i.sent.calls))
  const maxKvOpsShim = Math.max(0, ...invocations.map(kvOps))
  const maxConnections = Math.max(0, ...invocations.map((i) => i.maxOpen))
  const maxCpuMs = Math.max(0, ...cpus)
  const maxInvocationMs = Math.max(0, ...invocations.map((i) => i.end - i.start))
  const violations: string[] = []
  const check = (what: string, value: number, limit: number) => {
    if (value > limit) violations.push(`${what} ${Math.round(value)} > ${limit}`)
  }
  check('wall ms of one invocation', maxInvocationMs, LIMITS.wallMs)
  check('CPU ms of one invocation', maxCpuMs, LIMITS.cpuMs)
  check('subrequests (Worker count)', m.run.maxPerInvocation.subrequests, SUBREQUEST_BUDGET)
  check('subrequests (shim count)', maxSubrequestsShim, SUBREQUEST_BUDGET)
  check('KV operations (Worker count)', m.run.maxPerInvocation.kvOps, KV_OPS_BUDGET)
  check('KV operations (shim count)', maxKvOpsShim, KV_OPS_BUDGET)
  // Production queues a seventh connection rather than failing it; still worth seeing.
  check('connections waiting at once (a 7th waits in production)', maxConnections, LIMITS.connections)
  for (const i of invocations) if (i.error) violations.push(`an invocation threw: ${i.error.split('\n')[0]}`)
  return {
    ...c,
    phase,
    outcome: m.run.outcome,
    ...(m.run.error ? { error: m.run.error } : {}),
    k,
    kByOverlap,
    kByInFlight,
    fakeMaxInFlight: m.fakeMaxInFlight,
    // A deferred backend never published before is left out of the snapshot's count: N - deferred.
    probed: c.n - m.run.deferred,
    probeCalls: m.probeCalls,
    deferred: m.run.deferred,
    healthy: m.run.backendsHealthy,
    wallMs,
    idealMs,
    idealWithTimeoutsMs: idealWithTimeouts(c, k),
    publishKvMs: publisherLog?.publish?.ms ?? 0,
    publishInvocationMs: publisher ? publisher.end - publisher.start : null,
    invocations: totals.invocations,
    consumerInvocations: consumers.length,
    maxInvocationMs,
    maxSubrequestsWorker: m.run.maxPerInvocation.subrequests,
    maxSubrequestsShim,
    maxKvOpsWorker: m.run.maxPerInvocation.kvOps,
    maxKvOpsShim,
    maxConnections,
    maxConnectionsNoDb: Math.max(0, ...invocations.map((i) => i.maxOpenNoDb)),
    maxConnectionsWorker: Math.max(0, ...[...seen.cycles, ...seen.planned].map((l) => l.usage?.maxConnections ?? 0)),
    maxCpuMs,
    cpuOverlap: overlapping,
    meanCpuMs: invocations.length > 0 ? m.cpuTotalMs / invocations.length : 0,
    cpuTotalMs: m.cpuTotalMs,
    messages: sum((i) => i.sent.messages),
    messageBytes: sum((i) => i.sent.bytes),
    queueOps: totals.queueOps,
    kvReads: totals.kvReads,
    kvWrites: totals.kvWrites,
    kvDeletes: totals.kvDeletes,
    kvLists: totals.kvLists,
    kvBytesWritten: sum((i) => i.kvBytes),
    pgStatements: m.wire.statements,
    pgConnections: m.wire.connections,
    pgBytes: m.wire.bytesToServer + m.wire.bytesToClient,
    pgBytesFromServer: m.wire.bytesToClient,
    dbBytes: m.dbBytes,
    cost: costOf(totals),
    budgetViolations: violations,
  }
}

function idealWithTimeouts(c: Case, k: number): number {
  let hangs = 0
  let failures = 0
  for (let i = 0; i < c.n; i++) {
    const behaviour = behaviourOf(i, c.stall)
    if (behaviour === 'hang') hangs++
    else if (behaviour.startsWith('status-')) failures++
  }
  const work = (c.n - hangs - failures) * DELAY_MS + hangs * PROBE_TIMEOUT_MS
  return Math.max(work / (c.concurrency * k), hangs > 0 ? PROBE_TIMEOUT_MS : 0)
}

/**
 * Each invocation's share of workerd's CPU time: the CPU of every stretch of time is split evenly
 * among the invocations running in it (exact when they do not overlap).
 */
function cpuShares(invocations: Invocation[], sampler: CpuSampler): number[] {
  const points = [...new Set(invocations.flatMap((i) => [i.start, i.end]))].sort((a, b) => a - b)
  const shares = invocations.map(() => 0)
  for (let p = 0; p + 1 < points.length; p++) {
    const [a, b] = [points[p]!, points[p + 1]!]
    const active = invocations.flatMap((i, index) => (i.start <= a && i.end >= b ? [index] : []))
    if (active.length === 0) continue
    const cpu = sampler.at(b) - sampler.at(a)
    for (const index of active) shares[index]! += cpu / active.length
  }
  return shares
}

/** Messages sent but not delivered before the run ended (the publish delayed to the deadline): each is a request later. */
function undelivered(invocations: Invocation[]): number {
  const sent = invocations.reduce((t, i) => t + i.sent.messages, 0)
  const delivered = invocations
    .filter((i) => i.kind === 'queue')
    .reduce((t, i) => t + (i.msgs?.shard ?? 0) + (i.msgs?.publish ?? 0) - (i.msgs?.retries ?? 0), 0)
  return Math.max(0, sent - delivered)
}

// ---------------------------------------------------------------------------------------------
// Output.

const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`)
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US')
const fmtBytes = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${Math.round(n)} B`
const fmtUsd = (n: number) => `$${n.toFixed(2)}`
const modeLabel = (r: Case) =>
  r.stall ? `single, all hang, budget ${fmtMs(r.budgetMs)}` : r.mode === 'fanout-k' ? `fanout-k (≤${r.queueK})` : r.mode

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`
const label = (r: Row) => `${fmtInt(r.n)} ${modeLabel(r)}`
const monthlyCells = (r: Row) => [
  `${fmtUsd(r.cost.cloudflare)} (req ${fmtUsd(r.cost.requests)}, CPU ${fmtUsd(r.cost.cpu)}, queues ${fmtUsd(r.cost.queues)}, KV ${fmtUsd(r.cost.kv)})`,
  `${fmtUsd(r.cost.neonCompute)} + ${fmtUsd(r.cost.neonStorage)} + ${fmtUsd(r.cost.neonTransfer)} ` +
    `(${fmtBytes(r.dbBytes)} stored, ${fmtBytes(r.pgBytesFromServer)} sent a cycle)`,
]

function tables(rows: Row[]): string[] {
  const out: string[] = []
  const line = (cells: (string | number)[]) => out.push(`| ${cells.join(' | ')} |`)
  const first = rows.filter((r) => r.phase === 'first')
  const second = rows.filter((r) => r.phase === 'second')
  const header = (cells: string[]) => {
    line(cells)
    line(cells.map(() => '---'))
  }
  header([
    'N',
    'mode',
    'K',
    'probed / deferred',
    'wall',
    'ideal',
    'wall / ideal',
    'ideal with timeouts',
    'wall / that',
    'publish: KV step / invocation (% of wall)',
    'max subrequests',
    'max KV ops',
    'max connections waiting',
    'max CPU ms',
  ])
  for (const r of first) {
    const publish =
      r.publishInvocationMs === null
        ? `${fmtMs(r.publishKvMs)} (${((100 * r.publishKvMs) / r.wallMs).toFixed(1)} %)`
        : `${fmtMs(r.publishKvMs)} / ${fmtMs(r.publishInvocationMs)} (${((100 * r.publishInvocationMs) / r.wallMs).toFixed(1)} %)`
    line([
      fmtInt(r.n),
      modeLabel(r),
      r.mode === 'single' ? '1' : `${r.k} (${r.kByInFlight})`,
      `${fmtInt(r.probed)} / ${fmtInt(r.deferred)}`,
      fmtMs(r.wallMs),
      r.stall ? '—' : fmtMs(r.idealMs),
      r.stall ? '—' : ratio(r.wallMs, r.idealMs),
      r.stall ? '—' : fmtMs(r.idealWithTimeoutsMs),
      r.stall ? '—' : ratio(r.wallMs, r.idealWithTimeoutsMs),
      publish,
      `${r.maxSubrequestsWorker} (${r.maxSubrequestsShim})`,
      `${r.maxKvOpsWorker} (${r.maxKvOpsShim})`,
      r.maxConnectionsWorker > 0 ? `${r.maxConnections} (${r.maxConnectionsWorker})` : String(r.maxConnections),
      r.cpuOverlap && r.k > 1 ? `${fmtInt(r.maxCpuMs)} (shared)` : fmtInt(r.maxCpuMs),
    ])
  }
  out.push('')
  header([
    'N',
    'mode',
    'cycle',
    'wall',
    'probed / deferred',
    'invocations',
    'queue ops (messages)',
    'message bytes',
    'KV reads / writes / deletes / lists',
    'KV bytes written',
    'Postgres statements (connections)',
    'CPU ms, all invocations',
    'Cloudflare $/month',
    'Neon $/month: compute + storage + transfer',
  ])
  for (const r of [...first, ...second].sort((a, b) => rows.indexOf(a) - rows.indexOf(b))) {
    line([
      fmtInt(r.n),
      modeLabel(r),
      r.phase,
      fmtMs(r.wallMs),
      `${fmtInt(r.probed)} / ${fmtInt(r.deferred)}`,
      fmtInt(r.invocations),
      `${fmtInt(r.queueOps)} (${fmtInt(r.messages)})`,
      fmtBytes(r.messageBytes),
      `${fmtInt(r.kvReads)} / ${fmtInt(r.kvWrites)} / ${fmtInt(r.kvDeletes)} / ${fmtInt(r.kvLists)}`,
      fmtBytes(r.kvBytesWritten),
      `${fmtInt(r.pgStatements)} (${r.pgConnections})`,
      fmtInt(r.cpuTotalMs),
      ...monthlyCells(r),
    ])
  }
  return out
}

function goals(rows: Row[]): string[] {
  const out: string[] = []
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met')
  const first = rows.filter((r) => r.phase === 'first')
  for (const r of first.filter((x) => !x.stall && x.mode !== 'single' && x.n >= 1000)) {
    out.push(
      `- ${label(r)}: wall ${ratio(r.wallMs, r.idealMs)} the ideal (K=${r.k}), goal ≤ 1.25x: ` +
        `${verdict(r.wallMs <= 1.25 * r.idealMs)} (${ratio(r.wallMs, r.idealWithTimeoutsMs)} the ideal with timeouts)`,
    )
  }
  for (const r of first.filter((x) => !x.stall && x.n >= 10_000)) {
    const publishMs = r.publishInvocationMs ?? r.publishKvMs
    const share = publishMs / r.wallMs
    out.push(
      `- ${label(r)}: publish ${(100 * share).toFixed(1)} % of the cycle ` +
        `(${r.publishInvocationMs === null ? 'its KV step' : 'the publishing invocation'}), goal ≤ 10 %: ${verdict(share <= 0.1)}`,
    )
  }
  for (const r of rows) {
    out.push(
      `- ${label(r)}, ${r.phase} cycle: every invocation within every budget: ` +
        (r.budgetViolations.length === 0 ? 'yes' : `NO (${r.budgetViolations.join('; ')})`),
    )
  }
  for (const r of first.filter((x) => x.stall)) {
    const limit = r.budgetMs + 30_000
    out.push(
      `- ${fmtInt(r.n)} backends that all hang: published after ${fmtMs(r.wallMs)} (outcome ${r.outcome}, ` +
        `${fmtInt(r.probed)} probed, ${fmtInt(r.deferred)} deferred), goal ≤ CYCLE_BUDGET_MS + 30 s = ${fmtMs(limit)}: ` +
        verdict(r.wallMs <= limit && r.outcome === 'ok'),
    )
  }
  return out
}

function legend(): string[] {
  return [
    '- K: the most shard-carrying consumer invocations running at once (their start and end as the shim logged them); ' +
      "in parentheses, the fake providers' most requests in flight divided by PROBE_CONCURRENCY. Single mode: 1.",
    `- ideal: ceil(N / (PROBE_CONCURRENCY × K)) × ${DELAY_MS} ms. Ideal with timeouts: every probe's time ` +
      `(${DELAY_MS} ms, or ${PROBE_TIMEOUT_MS / 1000} s for a hung one) over PROBE_CONCURRENCY × K slots, and at least one timeout.`,
    "- wall: from calling scheduled() to the run's finishedAt (GET /runs). publish: the KV step as the Worker logs it " +
      '(publish.ms), and the publishing consumer invocation end to end (claim, load, settle, KV, save, run record).',
    "- max subrequests, max KV ops: the Worker's own counts (GET /runs maxPerInvocation); in parentheses the shim's " +
      '(fetches + database WebSockets + queue sends; KV calls, a bulk get once).',
    '- max connections waiting: fetches, KV calls, queue sends and database WebSocket handshakes in flight at once in one ' +
      "invocation (shim); in parentheses the Worker's own usage.maxConnections where it logs it (single, planner, publisher).",
    '- max CPU ms: workerd process CPU (utime + stime) over the invocation, time shared with other invocations split ' +
      'evenly ("shared" where they overlapped); includes Miniflare\'s KV and queue simulators in the same process.',
    '- queue ops: 3 per message per 64 KB (+100 bytes of metadata), +1 per redelivery, +2 per dead-lettered message; ' +
      'messages: all the Worker sent, the publish delayed to the deadline included (delivered later, or dropped when the bench ends).',
    "- KV reads count each key of a bulk get. Postgres statements: Query and Execute messages of the cycle's " +
      'invocations, counted on the wire. first: the first cycle on a fresh fleet; second: the next one on the same fleet.',
  ]
}

function pricesText(): string[] {
  return [
    `Monthly cost at a 5-minute cron (${fmtInt(CYCLES_PER_MONTH)} cycles in 30 days), prices checked ${PRICES.checked}:`,
    `- Workers Paid $${PRICES.workersMonthly}/month; requests (cron + consumer invocations) 10 M included then $0.30/M; ` +
      'CPU 30 M ms included then $0.02/M ms (developers.cloudflare.com/workers/platform/pricing/).',
    '- Queues: 1 M operations/month included then $0.40/M; 3 operations per message per 64 KB (write, read, delete), ' +
      '+1 read per retry, +1 write per dead-lettered message (developers.cloudflare.com/queues/platform/pricing/).',
    '- KV: reads 10 M/month included then $0.50/M (a bulk get counts each key); writes, deletes and lists 1 M/month ' +
      'each then $5.00/M (developers.cloudflare.com/kv/platform/pricing/). Stored data (well under the 1 GB included) is left out.',
    `- Neon (Launch): compute = CU × hours × $${PRICES.neonCuHour}/CU-hour; a 5-minute cron never lets the compute reach ` +
      `its 5-minute scale-to-zero, so hours = ${HOURS_PER_MONTH}: ${PRICES.neonCu} CU × ${HOURS_PER_MONTH} h × $${PRICES.neonCuHour} = ` +
      `${fmtUsd(PRICES.neonCu * HOURS_PER_MONTH * PRICES.neonCuHour)}; storage = GB × $${PRICES.neonStorageGbMonth}/GB-month ` +
      '(here the database after the cycle; history grows it); network transfer = (bytes Postgres sent a cycle × cycles ' +
      `− ${PRICES.neonTransfer.includedGb} GB included) × $${PRICES.neonTransfer.perGb}/GB, bytes counted on the wire ` +
      'without WebSocket and TLS framing (neon.com/docs/introduction/plans).',
    '- Cloudflare $/month includes the $5 plan minimum; usage within the included amounts costs nothing extra.',
  ]
}

async function main() {
  const benchStarted = performance.now()
  for (const mode of MODES) assert(MODES_ALL.includes(mode), `BENCH_SCALE_MODES: unknown mode ${mode}`)
  const cases: Case[] = []
  for (const n of NS) {
    for (const mode of MODES) {
      const base = { n, mode, stall: false, concurrency: CONCURRENCY, budgetMs: CYCLE_BUDGET_MS }
      if (mode !== 'fanout-k') cases.push({ ...base, label: `N=${n} ${mode}` })
      else for (const queueK of BENCH_QUEUE_KS) cases.push({ ...base, label: `N=${n} ${mode} K≤${queueK}`, queueK })
    }
  }
  if (STALL_N > 0) {
    cases.push({
      label: `stall N=${STALL_N}`,
      n: STALL_N,
      mode: 'single',
      stall: true,
      concurrency: STALL_CONCURRENCY,
      budgetMs: STALL_BUDGET_MS,
    })
  }
  const cleanups: (() => Promise<unknown>)[] = []
  const rows: Row[] = []
  const failures: string[] = []
  try {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'runtimestate-bench-scale-'))
    cleanups.push(() => rm(tmp, { recursive: true, force: true }))
    const [script, compat, fake] = await Promise.all([
      bundleWorker(tmp),
      readCompatibility(),
      startServiceProcess<{ url: string }>('fakes'),
    ])
    cleanups.push(() => fake.stop())
    await writeFile(path.join(tmp, 'bench-shim.js'), SHIM_MAIN)
    await writeFile(path.join(tmp, 'bench-shim-patch.js'), SHIM_PATCH)
    let commit = 'unknown'
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim()
      const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root }).toString().trim()
      if (dirty) commit += ' + uncommitted changes in src/'
    } catch {
      // not a git checkout
    }
    console.error(
      `bench-scale: Worker from ${commit}; fake providers at ${fake.info.url}; ${os.cpus().length} CPUs; ` +
        `cases: ${cases.map((c) => c.label).join(', ')}`,
    )
    for (const c of cases) {
      const started = performance.now()
      try {
        rows.push(...(await runCase(c, { script, compat, tmp, fakeUrl: fake.info.url })))
        console.error(`bench-scale: ${c.label}: took ${fmtMs(performance.now() - started)}`)
      } catch (error) {
        const message =
          error instanceof Error ? (error instanceof BenchError ? error.message : error.stack) : String(error)
        failures.push(`${c.label}: ${message}`)
        console.error(`bench-scale: ${c.label} FAILED: ${message}`)
        if (workerOutput.length > 0) {
          console.error('last Worker output:')
          for (const l of workerOutput.slice(-20)) console.error(`  ${l.slice(0, 400)}`)
        }
      }
    }
    console.log('')
    console.log(
      `Scale bench: vLLM fakes answering after ${DELAY_MS} ms, 1 % hanging (PROBE_TIMEOUT_MS ${PROBE_TIMEOUT_MS / 1000} s), ` +
        `1 % answering 500; PROBE_CONCURRENCY ${CONCURRENCY}, SHARD_SIZE ${SHARD_SIZE}, CYCLE_BUDGET_MS ${CYCLE_BUDGET_MS}, ` +
        `SUBREQUEST_BUDGET ${SUBREQUEST_BUDGET}, KV_OPS_BUDGET ${KV_OPS_BUDGET}; Worker ${commit}.`,
    )
    console.log('')
    for (const l of tables(rows)) console.log(l)
    console.log('')
    for (const l of legend()) console.log(l)
    console.log('')
    for (const l of goals(rows)) console.log(l)
    console.log('')
    for (const l of pricesText()) console.log(l)
  } catch (error) {
    failures.push(
      error instanceof Error ? (error instanceof BenchError ? error.message : String(error.stack)) : String(error),
    )
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup()
      } catch (error) {
        failures.push(`cleanup: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }
  if (failures.length > 0) console.error(`\nbench-scale FAILED:\n${failures.map((f) => `  ${f}`).join('\n')}`)
  console.error(`bench-scale: total ${fmtMs(performance.now() - benchStarted)}`)
  process.exitCode = failures.length > 0 ? 1 : 0
}

await main()
