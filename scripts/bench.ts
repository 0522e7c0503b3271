/**
 * Reconcile-cycle benchmark: `npm run bench`.
 *
 * Runs the real Worker (src/index.ts, bundled by wrangler as for deploy) in workerd through Miniflare, twice:
 * once with PROBE_CONCURRENCY=5 (the default) and once with PROBE_CONCURRENCY=1. For each
 * N in BENCH_NS (default 10,50,100) it declares N vLLM backends whose model listing answers
 * after 200 ms, runs one reconcile cycle per concurrency through `POST /setup/refresh` and
 * reports the wall time, the cycle's own durationMs, the ratio c1/c5 and the ideal
 * ceil(N / concurrency) × 200 ms.
 *
 * Database: the Postgres named by DATABASE_URL (it must hold no backends; the bench deletes only
 * what it created), otherwise an embedded PGlite. Provider APIs: test/fake-providers/server.ts.
 *
 * Environment knobs: BENCH_NS="10,50,100", BENCH_DELAY_MS=200, BENCH_WARMUP=once|each, BENCH_VERBOSE=1.
 *
 * First, the CPU of parsing and merging one listing at MAX_RESPONSE_BYTES / MAX_MODELS_PER_BACKEND
 * (scripts/bench-cpu.ts, in Node; `npx tsx scripts/bench-cpu.ts` runs that section alone).
 *
 * Last, hostile backends (scripts/bench-hostile.ts; `npx tsx scripts/bench-hostile.ts` runs that
 * section alone): a 60 MiB list, 60 MiB of junk and a dripping body beside 2 healthy backends, each
 * cycle's wall time and durationMs, and the latency of /healthz polled during it. Its knobs:
 * BENCH_HOSTILE_CASES, BENCH_HOSTILE_RUNS.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Log, LogLevel, Miniflare } from 'miniflare'
import { type LocalDatabase, startLocalDatabase } from './local/database'
import { startFakeProviders } from '../test/fake-providers/server'
import { reportCpuBench } from './bench-cpu'
import { runHostileBench } from './bench-hostile'
import {
  BenchError,
  adminCall,
  type Compatibility,
  type WorkerBundle,
  assert,
  bundleWorker,
  captureStdio,
  inBatches,
  readCompatibility,
  workerOutput,
} from './bench-worker'

const NS = (process.env.BENCH_NS ?? '10,50,100').split(',').map((s) => Number(s.trim()))
const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 200)
const WARMUP: 'once' | 'each' = process.env.BENCH_WARMUP === 'each' ? 'each' : 'once'
const CONCURRENCIES = [5, 1] as const
const ADMIN_TOKEN = `bench-${randomBytes(12).toString('hex')}`
/** Backend creation requests in flight at once (PGlite serializes them anyway). */
const CREATE_PARALLELISM = 8

type Concurrency = (typeof CONCURRENCIES)[number]

interface RunSummary {
  runId: string
  outcome: 'ok' | 'failed' | 'skipped'
  error?: string
  durationMs: number
  backends: number
  byStatus: Record<string, number>
  cacheHits: number
  kvWrites: number
  snapshotWritten: boolean
}

interface Measurement {
  n: number
  concurrency: Concurrency
  wallMs: number
  durationMs: number
  idealMs: number
  probeCalls: number
}

function startWorker(script: WorkerBundle, compat: Compatibility, db: LocalDatabase, concurrency: Concurrency) {
  return new Miniflare({
    // The one bundled module, listed rather than located: locating would chase the bundle's
    // dynamic imports of optional packages (hono-openapi's schema vendors) that are never loaded.
    modules: [{ type: 'ESModule', path: script.path, contents: script.contents }],
    modulesRoot: path.dirname(script.path),
    ...compat,
    kvNamespaces: ['KV'],
    cf: false,
    log: new Log(LogLevel.WARN),
    handleRuntimeStdio: captureStdio(`c${concurrency}`),
    bindings: {
      DATABASE_URL: db.databaseUrl,
      NEON_WS_PROXY: db.wsProxy,
      ADMIN_TOKEN,
      PROBE_CONCURRENCY: String(concurrency),
      PROBE_TIMEOUT_MS: '10000',
    },
  })
}

function admin(mf: Miniflare, method: string, route: string, body?: unknown) {
  return adminCall((url, init) => mf.dispatchFetch(url, init), `http://bench.local${route}`, ADMIN_TOKEN, method, body)
}

async function listBackendIds(mf: Miniflare): Promise<string[]> {
  const { status, json } = await admin(mf, 'GET', '/backends')
  assert(status === 200, `GET /backends answered ${status}: ${JSON.stringify(json)}`)
  return (json as { id: string }[]).map((b) => b.id)
}

async function createBackends(mf: Miniflare, fakeUrl: string, n: number): Promise<string[]> {
  const ids: string[] = []
  await inBatches(
    Array.from({ length: n }, (_, i) => i),
    CREATE_PARALLELISM,
    async (i) => {
      const { status, json } = await admin(mf, 'POST', '/backends', {
        name: `bench-b${i}`,
        type: 'vllm',
        baseUrl: `${fakeUrl}/vllm/delay-${DELAY_MS}/b${i}`,
      })
      assert(status === 201, `POST /backends (b${i}) answered ${status}: ${JSON.stringify(json)}`)
      ids.push((json as { id: string }).id)
    },
  )
  return ids
}

async function deleteBackends(mf: Miniflare, ids: string[]) {
  await inBatches([...ids], CREATE_PARALLELISM, async (id) => {
    const { status, json } = await admin(mf, 'DELETE', `/backends/${id}`)
    assert(status === 200, `DELETE /backends/${id} answered ${status}: ${JSON.stringify(json)}`)
    ids.splice(ids.indexOf(id), 1)
  })
}

async function fakeCalls(fakeUrl: string, reset = false): Promise<number> {
  if (reset) {
    await fetch(`${fakeUrl}/__reset`)
    return 0
  }
  const calls = await (await fetch(`${fakeUrl}/__calls`)).json<{ path: string }[]>()
  return calls.filter((c) => c.path.endsWith('/v1/models')).length
}

/** One reconcile cycle through the admin API, timed in Node; fails loudly unless all N are healthy. */
async function cycle(mf: Miniflare, fakeUrl: string, n: number, label: string) {
  await fakeCalls(fakeUrl, true)
  const started = performance.now()
  const { status, json } = await admin(mf, 'POST', '/setup/refresh')
  const wallMs = performance.now() - started
  const run = ((json as { run?: RunSummary }).run ?? json) as RunSummary
  assert(status === 200, `${label}: POST /setup/refresh answered ${status}: ${JSON.stringify(json)}`)
  assert(run.outcome === 'ok', `${label}: cycle outcome ${run.outcome}: ${run.error ?? JSON.stringify(run)}`)
  assert(run.backends === n, `${label}: cycle saw ${run.backends} backends, expected ${n}`)
  assert(
    run.byStatus.healthy === n,
    `${label}: ${run.byStatus.healthy} of ${n} backends healthy (byStatus ${JSON.stringify(run.byStatus)})`,
  )
  const probeCalls = await fakeCalls(fakeUrl)
  assert(probeCalls === n, `${label}: the fake vLLM got ${probeCalls} listing calls, expected ${n} (one per backend)`)
  return { wallMs, durationMs: run.durationMs, probeCalls }
}

const ideal = (n: number, c: number) => Math.ceil(n / c) * DELAY_MS
const fmt = (ms: number) => `${(ms / 1000).toFixed(3)} s`

function printTable(rows: Measurement[]) {
  const header = ['N', 'c5 wall', 'c5 cycle', 'c5 ideal', 'c5 wall/ideal', 'c1 wall', 'c1 cycle', 'c1 ideal', 'c1/c5']
  const lines: string[][] = []
  for (const n of NS) {
    const c5 = rows.find((r) => r.n === n && r.concurrency === 5)
    const c1 = rows.find((r) => r.n === n && r.concurrency === 1)
    if (!c5 || !c1) continue
    lines.push([
      String(n),
      fmt(c5.wallMs),
      fmt(c5.durationMs),
      fmt(c5.idealMs),
      `${(c5.wallMs / c5.idealMs).toFixed(2)}x`,
      fmt(c1.wallMs),
      fmt(c1.durationMs),
      fmt(c1.idealMs),
      `${(c1.wallMs / c5.wallMs).toFixed(2)}x`,
    ])
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const row = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ')
  console.log('')
  console.log(
    `Reconcile cycle wall time: N vLLM backends answering after ${DELAY_MS} ms ` +
      `(wall = POST /setup/refresh timed in Node; cycle = its durationMs; ideal = ceil(N/c) x ${DELAY_MS} ms)`,
  )
  console.log(row(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const l of lines) console.log(row(l))
  console.log('')
}

async function main() {
  const benchStarted = performance.now()
  const cleanups: (() => Promise<unknown>)[] = []
  const rows: Measurement[] = []
  let failed = false
  try {
    await reportCpuBench()
    const compat = await readCompatibility()
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'runtimestate-bench-'))
    cleanups.push(() => rm(tmp, { recursive: true, force: true }))
    const [script, db, fake] = await Promise.all([
      bundleWorker(tmp),
      startLocalDatabase({ databaseUrl: process.env.DATABASE_URL || undefined }),
      startFakeProviders(),
    ])
    cleanups.push(() => db.stop())
    cleanups.push(() => fake.close())
    console.error(
      `bench: ${db.kind === 'postgres' ? 'Postgres at DATABASE_URL' : 'embedded PGlite'}, fake providers at ${fake.url}, ` +
        `compat ${compat.compatibilityDate} [${compat.compatibilityFlags.join(', ')}], setup ${fmt(performance.now() - benchStarted)}`,
    )

    const workers = {} as Record<Concurrency, Miniflare>
    for (const c of CONCURRENCIES) {
      const mf = startWorker(script, compat, db, c)
      cleanups.push(() => mf.dispose())
      await mf.ready
      workers[c] = mf
    }
    const api = workers[5]

    const existing = await listBackendIds(api)
    assert(
      existing.length === 0,
      `the database already declares ${existing.length} backends; the bench needs an empty one (unset DATABASE_URL to use PGlite)`,
    )
    const ids: string[] = []
    cleanups.push(() => deleteBackends(api, ids)) // cleanups run in reverse: before the Workers are disposed

    const warmed = new Set<Concurrency>()
    for (const n of NS) {
      const t = performance.now()
      ids.push(...(await createBackends(api, fake.url, n)))
      console.error(`bench: N=${n}: declared ${n} backends in ${fmt(performance.now() - t)}`)
      for (const c of CONCURRENCIES) {
        const mf = workers[c]
        if (WARMUP === 'each' || !warmed.has(c)) {
          const w = await cycle(mf, fake.url, n, `warm-up N=${n} c=${c}`)
          console.error(`bench: N=${n} c=${c}: warm-up cycle ${fmt(w.wallMs)} (not measured)`)
          warmed.add(c)
        }
        const m = await cycle(mf, fake.url, n, `N=${n} c=${c}`)
        const measurement: Measurement = { n, concurrency: c, ...m, idealMs: ideal(n, c) }
        measurement.wallMs = Math.round(measurement.wallMs * 10) / 10
        rows.push(measurement)
        console.log(
          JSON.stringify({
            bench: 'reconcile-cycle',
            n,
            concurrency: c,
            wallMs: measurement.wallMs,
            durationMs: measurement.durationMs,
            idealMs: measurement.idealMs,
            wallOverIdeal: Math.round((measurement.wallMs / measurement.idealMs) * 100) / 100,
            delayMs: DELAY_MS,
            probeCalls: measurement.probeCalls,
            db: db.kind,
          }),
        )
      }
      const c5 = rows.find((r) => r.n === n && r.concurrency === 5)!
      const c1 = rows.find((r) => r.n === n && r.concurrency === 1)!
      console.log(
        JSON.stringify({
          bench: 'reconcile-cycle-ratio',
          n,
          c5WallMs: c5.wallMs,
          c1WallMs: c1.wallMs,
          ratioC1overC5: Math.round((c1.wallMs / c5.wallMs) * 100) / 100,
          idealRatio: Math.round((ideal(n, 1) / ideal(n, 5)) * 100) / 100,
        }),
      )
      await deleteBackends(api, ids)
    }
    printTable(rows)
    // Its own Worker, fake providers and database (in child processes); this run's are idle by now.
    await runHostileBench({ script, compat })
  } catch (error) {
    failed = true
    console.error(
      `\nbench FAILED: ${error instanceof Error ? (error instanceof BenchError ? error.message : error.stack) : String(error)}`,
    )
    if (workerOutput.length > 0) {
      console.error('\nlast Worker output:')
      for (const line of workerOutput.slice(-40)) console.error(`  ${line}`)
    }
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup()
      } catch (error) {
        failed = true
        console.error(`bench: cleanup failed: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }
  // Seen once per cycle longer than 10 s: the Pool's idle timeout (pg-pool default
  // idleTimeoutMillis = 10000) closes the connection that sits idle while the probes run, and the
  // Neon driver reports that as a lost connection; src/db/client.ts logs it as a warning. The cycle
  // still succeeds (finishRun reconnects), so it is counted apart from other errors.
  const knownNoise = (l: string) => /"msg":"pg pool error".*Network connection lost/.test(l)
  const noise = workerOutput.filter(knownNoise).length
  const problems = workerOutput.filter(
    (l) => /uncaught|error/i.test(l) && !knownNoise(l) && !/"msg":"reconcile cycle"/.test(l),
  )
  if (noise > 0) {
    console.error(
      `bench: the Worker logged ${noise} "pg pool error: Network connection lost" warning(s): ` +
        'the idle pool connection is reaped after 10 s during long cycles (cycles still ok)',
    )
  }
  if (problems.length > 0) {
    console.error(`bench: the Worker logged ${problems.length} other error line(s); first: ${problems[0]}`)
  }
  console.error(`bench: total ${fmt(performance.now() - benchStarted)}${failed ? ' (FAILED)' : ''}`)
  process.exitCode = failed ? 1 : 0
}

await main()
