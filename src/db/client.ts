import { neonConfig } from '@neondatabase/serverless'
import { drizzle } from 'drizzle-orm/neon-serverless'
import { type Env, type Settings, parseSettings } from '../env'
import { CapacityRetryPool } from './pool'
import * as schema from './schema'

export type Database = ReturnType<typeof drizzle<typeof schema>>

export interface DatabaseHandle {
  db: Database
  /** Closes the pool; pass it to ctx.waitUntil at the end of the invocation. */
  close(): Promise<void>
}

export class DatabaseNotConfiguredError extends Error {
  constructor() {
    super('DATABASE_URL is not set: the declared state lives in Postgres (see README, "Settings")')
    this.name = 'DatabaseNotConfiguredError'
  }
}

/**
 * One Pool per invocation, as Workers require ("connected, used and closed within a single
 * request handler"). The WebSocket proxy settings apply only when NEON_WS_PROXY is set, which
 * only local config does.
 */
export function openDatabase(
  env: Env,
  settings: Pick<Settings, 'STATEMENT_TIMEOUT_MS'> = parseSettings(env),
): DatabaseHandle {
  if (!env.DATABASE_URL) throw new DatabaseNotConfiguredError()
  if (env.NEON_WS_PROXY) {
    const proxy = env.NEON_WS_PROXY
    neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`
    neonConfig.useSecureWebSocket = false
    neonConfig.pipelineTLS = false
    neonConfig.pipelineConnect = false
  }
  // idleTimeoutMillis 0: the driver's default (10 s) would drop the connection while a long
  // cycle is probing, and the pool lives only for this invocation anyway.
  // CapacityRetryPool: a burst of requests queues for server slots instead of failing (see pool.ts).
  const pool = new CapacityRetryPool({
    connectionString: env.DATABASE_URL,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 0,
    ...statementTimeouts(env.DATABASE_URL, settings.STATEMENT_TIMEOUT_MS),
  })
  let closed: Promise<void> | undefined
  // The driver reports the socket it just closed as lost after end(); that one is expected.
  // Without a listener workerd would report every pool error as uncaught.
  pool.on('error', (error: Error) => {
    if (!closed) console.warn(JSON.stringify({ msg: 'pg pool error', error: error.message }))
  })
  return {
    db: drizzle({ client: pool, schema }),
    close: () => (closed ??= pool.end().catch(() => undefined)),
  }
}

/** How much longer than statement_timeout the driver waits before giving up on an answer itself. */
const QUERY_TIMEOUT_GRACE_MS = 1_000

/**
 * The bound on every statement. statement_timeout travels in the connection's startup message, so
 * it costs no round trip and holds for every statement: the server cancels a statement past it,
 * which also frees its locks. Neon's pooled endpoints (`-pooler` hosts, PgBouncer in transaction
 * mode) refuse a startup parameter they do not know and would reject every connection, so there
 * it is left to the role's default (`ALTER ROLE … SET statement_timeout`). query_timeout is the
 * driver's own timer: the Worker stops waiting shortly after, whatever the server was told.
 */
export function statementTimeouts(
  databaseUrl: string,
  timeoutMs: number,
): { statement_timeout?: number; query_timeout: number } {
  const query_timeout = timeoutMs + QUERY_TIMEOUT_GRACE_MS
  return isNeonPooler(databaseUrl) ? { query_timeout } : { statement_timeout: timeoutMs, query_timeout }
}

/** `postgres://user:password@ep-name-123-pooler.region.aws.neon.tech/db`: the first host label ends in `-pooler`. */
const NEON_POOLER_URL = /^[a-z]+:\/\/(?:[^/]*@|(?![^/]*@))[^./:@]+-pooler\./i

function isNeonPooler(databaseUrl: string): boolean {
  return NEON_POOLER_URL.test(databaseUrl)
}
