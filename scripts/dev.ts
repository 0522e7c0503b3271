/**
 * `npm run dev`: the whole local stack in one command, on a machine with nothing but Node.
 *
 *  1. fills `.dev.vars` with safe local defaults for the keys it lacks (never touching existing lines);
 *  2. starts a migrated database behind the WebSocket proxy the Neon driver needs: the Postgres
 *     named by DATABASE_URL in the shell environment, or else an embedded PGlite kept in `.pglite/`;
 *  3. serves the recorded models.dev catalog on a local port, unless CATALOG_URL is set in the shell;
 *  4. runs `wrangler dev --test-scheduled` on PORT or `--port` (default 8787) with DATABASE_URL, NEON_WS_PROXY and
 *     CATALOG_URL passed as `--var` (these beat `.dev.vars`, so a stale line there cannot point the
 *     Worker elsewhere);
 *  5. on Ctrl-C / SIGTERM, or when wrangler exits, stops wrangler, the proxy, the database and the catalog server.
 *
 * With FANOUT=true the Worker gets a probe queue, its consumer and its dead-letter queue (Miniflare's),
 * from a copy of wrangler.toml written to wrangler.fanout.toml beside it (so `.dev.vars` still applies):
 * cron cycles then plan shards that the same Worker probes as a queue consumer.
 *
 * Arguments (scripts/local/dev-args.ts): `--port <n>` is the port, as PORT is (the argument wins);
 * `--pglite-dir <dir>` keeps the embedded database elsewhere than `.pglite/`; any other argument goes
 * to `wrangler dev` (`npm run dev -- --persist-to /tmp/x --var KEY:value`). With `--env-file`,
 * wrangler reads that file instead of `.dev.vars`, so this script neither fills nor prints
 * `.dev.vars` either.
 *
 * The database (PGlite runs its queries synchronously) lives in a worker thread, so the main thread
 * always answers signals at once: the `tsx` wrapper SIGKILLs a child that is slow to acknowledge one,
 * which would leave wrangler running and PGlite unclosed.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { URL as NodeURL, fileURLToPath } from 'node:url'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { copyDocsAssets } from './docs-assets'
import { startCatalogServer } from './local/catalog-server'
import { type LocalDatabase, startLocalDatabase } from './local/database'
import { parseDevArgs } from './local/dev-args'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
if (isMainThread) process.chdir(root)

const DEV_VARS = '.dev.vars'
/** Set by this script on every start; a value for them in .dev.vars is ignored. */
const MANAGED_KEYS = ['DATABASE_URL', 'NEON_WS_PROXY', 'CATALOG_URL']

const log = (line = '') => console.log(`[dev] ${line}`)
const fail = (message: string): never => {
  console.error(`[dev] error: ${message}`)
  process.exit(1)
}

// ---------------------------------------------------------------- settings

// A worker thread's argv holds none of these arguments: it parses to the defaults, which it does not use.
const args = parseDevArgs(process.argv.slice(2), process.env)
const { port, pgliteDir: PGLITE_DIR, wranglerArgs } = 'error' in args ? fail(args.error) : args
const fanOut = process.env.FANOUT === 'true'

/** The queue part of a fanned-out deployment; the README shows the same for production. */
const FANOUT_QUEUES = `
# Written by \`FANOUT=true npm run dev\`: a probe queue, its consumer and its dead-letter queue.
[[queues.producers]]
queue = "runtimestate-probes"
binding = "PROBE_QUEUE"

[[queues.consumers]]
queue = "runtimestate-probes"
max_batch_size = 1
max_batch_timeout = 1
max_retries = 3
dead_letter_queue = "runtimestate-probes-dlq"

[[queues.consumers]]
queue = "runtimestate-probes-dlq"
max_batch_size = 1
max_batch_timeout = 1
`

/** wrangler.toml plus the queues, beside it; returns the arguments that make wrangler use it. */
function fanOutConfig(): string[] {
  const config = 'wrangler.fanout.toml'
  writeFileSync(config, readFileSync('wrangler.toml', 'utf8') + FANOUT_QUEUES)
  return ['--config', config]
}
/** KEY=value lines as wrangler reads them (dotenv: optional `export`, quotes stripped, # comments). */
function parseDotEnv(text: string): Map<string, string> {
  const values = new Map<string, string>()
  for (const line of text.split(/\r?\n/)) {
    const match = line.match(/^\s*(?:export\s+)?([\w.-]+)\s*=\s*(.*)?$/)
    if (!match) continue
    let value = (match[2] ?? '').trim()
    const quote = value[0]
    if ((quote === '"' || quote === "'" || quote === '`') && value.lastIndexOf(quote) > 0) {
      value = value.slice(1, value.lastIndexOf(quote))
    } else {
      value = value.replace(/\s+#.*$/, '')
    }
    values.set(match[1]!, value)
  }
  return values
}

/** Appends a safe local default for every missing key; returns the values wrangler will see. */
function ensureDevVars(): { values: Map<string, string>; added: string[] } {
  const existing = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, 'utf8') : ''
  const values = parseDotEnv(existing)
  const defaults: Record<string, () => string> = {
    ADMIN_TOKEN: () => `dev-admin-${randomBytes(16).toString('hex')}`,
    READ_TOKEN: () => `dev-read-${randomBytes(16).toString('hex')}`,
    SECRETS_KEY: () => randomBytes(32).toString('hex'),
    PUBLIC_READ: () => 'false',
  }
  const added: string[] = []
  let text = existing
  for (const [key, make] of Object.entries(defaults)) {
    if (values.has(key)) continue
    const value = make()
    if (text === '') {
      text =
        '# Local settings for `wrangler dev`, read by `npm run dev` (never committed; see README "Settings").\n' +
        '# DATABASE_URL and NEON_WS_PROXY are set by scripts/dev.ts on each start; do not put them here.\n'
    }
    if (!text.endsWith('\n')) text += '\n'
    text += `${key}=${value}\n`
    values.set(key, value)
    added.push(key)
  }
  if (added.length > 0) writeFileSync(DEV_VARS, text, { mode: 0o600 })
  return { values, added }
}

function portIsFree(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer()
    probe.once('error', () => resolve(false))
    probe.listen({ port: p }, () => probe.close(() => resolve(true)))
  })
}

/** The Postgres password, if any, is not printed. */
function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '(unparseable DATABASE_URL)'
  }
}

async function waitUntilReady(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })
      if (response.ok) return true
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300))
  }
  return false
}

// ---------------------------------------------------------------- database thread

type DatabaseOptions = Parameters<typeof startLocalDatabase>[0]
type ThreadMessage =
  | { type: 'ready'; databaseUrl: string; wsProxy: string; kind: LocalDatabase['kind'] }
  | { type: 'error'; message: string }
  | { type: 'stopped' }

/** Worker side: start the database, report where it is, stop it when asked. */
async function databaseThread(options: DatabaseOptions) {
  const channel = parentPort!
  try {
    const database = await startLocalDatabase(options)
    channel.on('message', (message) => {
      if (message !== 'stop') return
      void database
        .stop()
        .catch((error: unknown) => console.error(`[dev] stopping the database: ${String(error)}`))
        .then(() => {
          channel.postMessage({ type: 'stopped' } satisfies ThreadMessage)
          channel.close()
        })
    })
    const { databaseUrl, wsProxy, kind } = database
    channel.postMessage({ type: 'ready', databaseUrl, wsProxy, kind } satisfies ThreadMessage)
  } catch (error) {
    channel.postMessage({
      type: 'error',
      message: error instanceof Error ? error.message : String(error),
    } satisfies ThreadMessage)
    channel.close()
  }
}

/** Main side: the same LocalDatabase, running in a worker thread. `onCrash` runs if it dies on its own. */
function startDatabaseThread(options: DatabaseOptions, onCrash: (reason: string) => void): Promise<LocalDatabase> {
  // Worker threads do not inherit tsx's loader on Node 20: load this file through tsx's API.
  const tsx = import.meta.resolve('tsx/esm/api')
  const self = JSON.stringify(import.meta.url)
  const bootstrap = `import { tsImport } from ${JSON.stringify(tsx)}; await tsImport(${self}, ${self})`
  const worker = new Worker(new NodeURL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), {
    workerData: options,
  })
  let ready = false
  let stopping = false
  const exited = new Promise<number>((resolve) => worker.on('exit', resolve))
  return new Promise((resolve, reject) => {
    worker.on('error', (error) => {
      if (!ready) reject(error)
      else console.error('[dev] database thread error:', error)
    })
    void exited.then((code) => {
      if (!ready) reject(new Error(`database thread exited with code ${code}`))
      else if (!stopping) onCrash(`the database thread exited with code ${code}`)
    })
    worker.once('message', (message: ThreadMessage) => {
      if (message.type !== 'ready') {
        reject(new Error(message.type === 'error' ? message.message : `unexpected message ${message.type}`))
        return
      }
      ready = true
      const stop = async () => {
        if (!stopping) {
          stopping = true
          worker.once('message', () => void worker.terminate())
          worker.postMessage('stop')
          // A stop that hangs must not keep the terminal.
          setTimeout(() => void worker.terminate(), 10_000).unref()
        }
        await exited
      }
      resolve({ databaseUrl: message.databaseUrl, wsProxy: message.wsProxy, kind: message.kind, stop })
    })
  })
}

// ---------------------------------------------------------------- main

let wrangler: ChildProcess | undefined
let catalogServer: Awaited<ReturnType<typeof startCatalogServer>> | undefined
let database: Promise<LocalDatabase | undefined> = Promise.resolve(undefined)
let stopping = false
let signals = 0

/** Stops wrangler first (it holds connections through the proxy), then the database; exits. */
async function shutdown(reason: string, exitCode: number) {
  if (stopping) return
  stopping = true
  log(`stopping (${reason})...`)
  const child = wrangler
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(killer)
  }
  await (await database)?.stop()
  await catalogServer?.close()
  log('stopped')
  process.exit(exitCode)
}

/**
 * The catalog the local Worker refreshes from: CATALOG_URL from the shell when set (a mirror, the
 * real models.dev, or empty for none), else the recorded fixture served on a local port.
 */
async function localCatalogUrl(): Promise<string> {
  const fromShell = process.env.CATALOG_URL
  if (fromShell !== undefined) {
    log(`catalog      ${fromShell || 'off (CATALOG_URL is empty)'}`)
    return fromShell
  }
  catalogServer = await startCatalogServer()
  log(`catalog      the models.dev fixture in fixtures/catalog/, served at ${catalogServer.url}`)
  return catalogServer.url
}

async function main() {
  const started = Date.now()
  const wranglerBin = path.join(
    root,
    'node_modules',
    '.bin',
    process.platform === 'win32' ? 'wrangler.cmd' : 'wrangler',
  )
  if (!existsSync(wranglerBin)) fail(`${wranglerBin} not found: run \`npm install\` first`)
  if (!(await portIsFree(port))) {
    fail(
      `port ${port} is already in use (another \`npm run dev\`?). Stop it, or pick another port: PORT=${port + 1} npm run dev (or npm run dev -- --port ${port + 1})`,
    )
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (++signals > 2) {
        // A third Ctrl-C: give up on a clean stop.
        wrangler?.kill('SIGKILL')
        process.exit(1)
      }
      void shutdown(signal, 0)
    })
  }

  const ownEnvFile = wranglerArgs.some((arg) => arg === '--env-file' || arg.startsWith('--env-file='))
  const { values, added } = ownEnvFile ? { values: new Map<string, string>(), added: [] } : ensureDevVars()
  if (added.length > 0) log(`added local defaults to ${DEV_VARS}: ${added.join(', ')}`)
  for (const key of MANAGED_KEYS) {
    if (values.has(key)) {
      log(
        `note: ${key} in ${DEV_VARS} is ignored; this script sets it (export ${key}=... in the shell to use your own)`,
      )
    }
  }

  const externalUrl = process.env.DATABASE_URL?.trim() || undefined
  log(
    externalUrl
      ? `migrating the Postgres at DATABASE_URL (${redact(externalUrl)})...`
      : `opening embedded PGlite in ${PGLITE_DIR}/ and migrating...`,
  )
  const starting = startDatabaseThread(
    externalUrl ? { databaseUrl: externalUrl } : { pgliteDir: PGLITE_DIR },
    (reason) => void shutdown(reason, 1),
  )
  database = starting.catch(() => undefined)
  let db: LocalDatabase
  try {
    db = await starting
  } catch (error) {
    return fail(`could not start the database: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (stopping) return // a signal arrived meanwhile; shutdown() stops the database
  log(`database ready in ${((Date.now() - started) / 1000).toFixed(1)} s (WebSocket proxy on ${db.wsProxy})`)

  log(`API docs script: ${copyDocsAssets()}`)
  const catalogUrl = await localCatalogUrl()
  const url = `http://localhost:${port}`
  const databaseLabel = externalUrl
    ? `Postgres at DATABASE_URL ${redact(externalUrl)}`
    : `embedded PGlite persisted in ${PGLITE_DIR}/ (delete it to start over)`
  const adminToken = ownEnvFile
    ? '(from --env-file or --var)'
    : values.get('ADMIN_TOKEN') || '(empty: the admin API refuses every call)'
  log(`starting wrangler dev on ${url} with ADMIN_TOKEN ${adminToken}`)
  if (fanOut) {
    log('FANOUT=true: cron cycles fan out on the local queue runtimestate-probes; this same Worker consumes it')
    log(
      '             (and its dead-letter queue runtimestate-probes-dlq) under Miniflare. POST /setup/refresh stays one invocation.',
    )
  }
  const child = spawn(
    wranglerBin,
    [
      'dev',
      '--test-scheduled',
      '--port',
      String(port),
      // --var beats .dev.vars (and [vars]); the values are hidden in wrangler's binding table.
      '--var',
      `DATABASE_URL:${db.databaseUrl}`,
      '--var',
      `NEON_WS_PROXY:${db.wsProxy}`,
      '--var',
      `CATALOG_URL:${catalogUrl}`,
      ...(fanOut ? fanOutConfig() : []),
      ...wranglerArgs,
    ],
    { stdio: 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  )
  wrangler = child
  child.on('error', (error) => {
    console.error(`[dev] could not run wrangler: ${error.message}`)
    void shutdown('wrangler did not start', 1)
  })
  child.on('exit', (code, signal) => void shutdown(`wrangler exited with ${signal ?? `code ${code}`}`, code ?? 1))

  if (await waitUntilReady(url, child, 120_000)) {
    log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (Ctrl-C to stop)`)
    log('------------------------------------------------------------------')
    log(`URL          ${url}   (status pages: sign in with READ_TOKEN from ${DEV_VARS})`)
    log(`ADMIN_TOKEN  ${adminToken}   (from ${DEV_VARS})`)
    log(`database     ${databaseLabel}`)
    log(`try          curl -X POST -H "Authorization: Bearer ${values.get('ADMIN_TOKEN') ?? ''}" ${url}/setup/refresh`)
    log('------------------------------------------------------------------')
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- shutdown() may set it during the wait
  } else if (!stopping) {
    log(`wrangler has not answered ${url}/healthz yet; see its output above`)
  }
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error('[dev] fatal:', error)
    process.exit(1)
  })
} else {
  void databaseThread(workerData as DatabaseOptions)
}
