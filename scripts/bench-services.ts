/**
 * Runs one of the bench's local services in its own process, so that its work (a fake provider
 * streaming 60 MiB, PGlite executing queries) never shares an event loop with the loop that
 * measures latencies:
 *
 *   npx tsx scripts/bench-services.ts fakes   → {"url":"http://127.0.0.1:<port>"}
 *   npx tsx scripts/bench-services.ts db      → {"databaseUrl":…,"wsProxy":…,"kind":"pglite"|"postgres"}
 *
 * The one JSON line goes to stdout once the service is ready. The service stops when stdin closes
 * (the parent exited or closed it) or on SIGTERM/SIGINT. `db` uses DATABASE_URL when set, else an
 * in-memory PGlite. See startServiceProcess in scripts/bench-hostile.ts for the parent side.
 */
import { startFakeProviders } from '../test/fake-providers/server'
import { startLocalDatabase } from './local/database'

const kind = process.argv[2]

async function start(): Promise<{ info: unknown; stop: () => Promise<unknown> }> {
  if (kind === 'fakes') {
    const fake = await startFakeProviders()
    return { info: { url: fake.url }, stop: fake.close }
  }
  if (kind === 'db') {
    const db = await startLocalDatabase({ databaseUrl: process.env.DATABASE_URL || undefined })
    return { info: { databaseUrl: db.databaseUrl, wsProxy: db.wsProxy, kind: db.kind }, stop: () => db.stop() }
  }
  throw new Error(`usage: tsx scripts/bench-services.ts fakes|db (got ${kind})`)
}

const service = await start()
let stopping = false
const stop = (): void => {
  if (stopping) return
  stopping = true
  // Never hang the parent's cleanup on a service that will not close.
  const timer = setTimeout(() => process.exit(0), 5_000)
  void service.stop().finally(() => {
    clearTimeout(timer)
    process.exit(0)
  })
}
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdout.write(`${JSON.stringify(service.info)}\n`)
