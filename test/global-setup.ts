import type { TestProject } from 'vitest/node'
import { startLocalDatabase } from '../scripts/local/database'
import { startFakeProviders } from './fake-providers/server'

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
    wsProxy: string
    fakeProvidersUrl: string
  }
}

/**
 * Starts what the Worker under test talks to: the Postgres named by DATABASE_URL (or an
 * embedded PGlite when it is unset), migrated, behind the WebSocket proxy the Neon driver needs;
 * and the fake provider servers.
 */
export default async function setup(project: TestProject) {
  const database = await startLocalDatabase({ databaseUrl: process.env.DATABASE_URL || undefined })
  const providers = await startFakeProviders()
  console.log(`tests use ${database.kind === 'postgres' ? 'Postgres at DATABASE_URL' : 'embedded PGlite'}`)
  project.provide('databaseUrl', database.databaseUrl)
  project.provide('wsProxy', database.wsProxy)
  project.provide('fakeProvidersUrl', providers.url)
  return async () => {
    await providers.close()
    await database.stop()
  }
}
