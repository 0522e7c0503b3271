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
import { existsSync, rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type DatabaseInfo, startServiceProcess } from '../bench-hostile'
import { BenchError, assert, bundleWorker, inBatches, readCompatibility, workerOutput } from '../bench-worker'
import { type Fleet, declareBackends } from './fleet'
import { fmtMs } from './format'
import { call } from './http'
import { publishShare } from './publish-share'
import { kvWriteCycles, loadEveryRoute } from './reads'
import { type KvWriteCycles, kvWritesJson, printKvWrites, printTable } from './report'
import { CREATE_PARALLELISM, HOST, NS, PUBLISH_N, WORKER_ROOT } from './settings'
import { armStops, benchStarted, checkStop, load } from './stop'
import type { RunResult } from './types'
import { Worker } from './worker'

async function main() {
  const disarmStops = armStops()
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
        (WORKER_ROOT ? `Worker bundled from ${WORKER_ROOT}; ` : '') +
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
      const kv = await kvWriteCycles(worker, fleet, n)
      kvRows.push(kv)
      console.log(JSON.stringify(kvWritesJson(kv)))
      const routes = await loadEveryRoute(worker, n, results)
      printTable(n, routes, results, kv)
    }
    if (kvRows.length > 1) printKvWrites(kvRows, 'KV writes of the publish step, every N')
    console.error(`bench-read: workerd was restarted ${worker.restarts} time(s)`)
  } catch (error) {
    failed = true
    console.error(
      `\nbench-read FAILED: ${error instanceof Error ? (error instanceof BenchError ? error.message : error.stack) : String(error)}`,
    )
    if (workerOutput.length > 0) {
      console.error('\nlast Worker output:')
      for (const line of workerOutput.slice(-40)) console.error(`  ${line}`)
    }
  } finally {
    load.current?.stop()
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup()
      } catch (error) {
        failed = true
        console.error(`bench-read: cleanup failed: ${error instanceof Error ? error.message : String(error)}`)
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
  disarmStops()
  process.exitCode = failed ? 1 : 0
}

await main()
