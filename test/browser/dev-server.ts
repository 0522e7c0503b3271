import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { type LocalDatabase, startLocalDatabase } from '../../scripts/local/database'
import { TEST_SETTINGS } from '../settings'

/**
 * `npm run dev` as a newcomer runs it, with every setting given on its command line, an empty
 * `--env-file` (so wrangler reads no `.dev.vars` or `.env`, and the script writes none), its own KV
 * folder, and the database it is given.
 */
export interface DevServer {
  url: string
  stop(): Promise<void>
}

const BROWSER_DATABASE = 'runtimestate_browser'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/**
 * The browser run's own database, which the tests read too: a new one on the Postgres at
 * DATABASE_URL when there is one (dropped when the run ends), else an embedded PGlite in memory,
 * served on a local port.
 */
export async function startBrowserDatabase(): Promise<LocalDatabase> {
  const serverUrl = process.env.DATABASE_URL?.trim()
  if (!serverUrl) return startLocalDatabase({})
  const database = await startLocalDatabase({ databaseUrl: await freshDatabase(serverUrl) })
  return {
    ...database,
    stop: async () => {
      await database.stop()
      await onServer(serverUrl, `drop database if exists ${BROWSER_DATABASE} with (force)`)
    },
  }
}

async function onServer(serverUrl: string, ...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    for (const statement of statements) await client.query(statement)
  } finally {
    await client.end()
  }
}

/** A new, empty database on the server `serverUrl` names. */
async function freshDatabase(serverUrl: string): Promise<string> {
  await onServer(
    serverUrl,
    `drop database if exists ${BROWSER_DATABASE} with (force)`,
    `create database ${BROWSER_DATABASE}`,
  )
  const url = new URL(serverUrl)
  url.pathname = `/${BROWSER_DATABASE}`
  return url.toString()
}

export async function startDevServer(settings: Record<string, string>, databaseUrl: string): Promise<DevServer> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'runtimestate-browser-'))
  const port = await freePort()
  const vars = { ...TEST_SETTINGS, ...settings }
  const envFile = path.join(scratch, 'empty.env')
  writeFileSync(envFile, '')
  const args = ['run', 'dev', '--', '--ip', '127.0.0.1', '--persist-to', path.join(scratch, 'wrangler')]
  args.push('--env-file', envFile)
  for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`)
  const env = { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl, WRANGLER_SEND_METRICS: 'false' }
  const child: ChildProcess = spawn('npm', args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const url = `http://127.0.0.1:${port}`
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // The whole group (npm, the dev script, wrangler, workerd), even when npm itself is gone.
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal)
    } catch {
      // already gone
    }
  }
  // A test run stopped another way still takes the server down with it.
  const onExit = () => signalGroup('SIGKILL')
  process.once('exit', onExit)
  const stop = async () => {
    process.off('exit', onExit)
    signalGroup('SIGTERM')
    const killer = setTimeout(() => signalGroup('SIGKILL'), 15_000)
    if (child.exitCode === null && child.signalCode === null) await exited
    clearTimeout(killer)
    rmSync(scratch, { recursive: true, force: true })
  }
  const deadline = Date.now() + 150_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok) return { url, stop }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  await stop()
  // Its output, without the lines that print tokens.
  const shown = output
    .split('\n')
    .filter((line) => !/TOKEN|Bearer/i.test(line))
    .join('\n')
  throw new Error(`npm run dev did not answer ${url}/healthz:\n${shown.slice(-4000)}`)
}
