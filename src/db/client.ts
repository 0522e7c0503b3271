import { Pool, neonConfig } from '@neondatabase/serverless'
import { drizzle } from 'drizzle-orm/neon-serverless'
import type { Env } from '../env'
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
export function openDatabase(env: Env): DatabaseHandle {
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
  const pool = new Pool({ connectionString: env.DATABASE_URL, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 0 })
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
