import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import { startWsProxy } from './ws-proxy'

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations')

export interface LocalDatabase {
  /** What the Worker gets as DATABASE_URL. */
  databaseUrl: string
  /** What the Worker gets as NEON_WS_PROXY. */
  wsProxy: string
  /** `pglite` when embedded, `postgres` when DATABASE_URL pointed at a server. */
  kind: 'pglite' | 'postgres'
  stop(): Promise<void>
}

/**
 * A migrated database the Worker can reach through the Neon driver: the Postgres named by
 * `databaseUrl`, or else an embedded PGlite (in `pgliteDir`, or in memory) served on a local port.
 */
export async function startLocalDatabase(options: {
  databaseUrl?: string
  pgliteDir?: string
}): Promise<LocalDatabase> {
  if (options.databaseUrl) {
    const client = new pg.Client({ connectionString: options.databaseUrl })
    await client.connect()
    try {
      await migratePg(drizzlePg(client), { migrationsFolder })
    } finally {
      await client.end()
    }
    const url = new URL(options.databaseUrl)
    const proxy = await startWsProxy({ host: url.hostname, port: Number(url.port || 5432) })
    return { databaseUrl: options.databaseUrl, wsProxy: proxy.address, kind: 'postgres', stop: proxy.close }
  }

  const db = await PGlite.create(options.pgliteDir ?? 'memory://')
  await migratePglite(drizzlePglite(db), { migrationsFolder })
  // PGlite serializes queries anyway; allow enough connections for one Pool per request.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 256 })
  await server.start()
  const [host, port] = server.getServerConn().split(':')
  const proxy = await startWsProxy({ host: host!, port: Number(port) })
  return {
    databaseUrl: `postgres://postgres:postgres@${host}:${port}/postgres`,
    wsProxy: proxy.address,
    kind: 'pglite',
    stop: async () => {
      await proxy.close()
      await server.stop()
      await db.close()
    },
  }
}
