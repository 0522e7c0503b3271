import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { emptyHistogram, latencyBucket } from '../../src/reconcile/windows'
import { startFakeProviders } from '../fake-providers/server'
import { TEST_SETTINGS } from '../settings'
import { startBrowserDatabase, startDevServer } from './dev-server'

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string
    databaseUrl: string
    fakeProvidersUrl: string
    backends: Record<string, string>
  }
}

/** Two failures in a row make a backend down, two good probes bring it back: every status shows. */
const THRESHOLDS = { FAIL_THRESHOLD: '2', RECOVER_THRESHOLD: '2' }
/** Cycles run: one step of each script per cycle. */
const CYCLES = 8

/**
 * Backends that end in each status after CYCLES cycles: name → type, fake behaviour, and the good
 * probes of 12 in each of the 7 hours before the last one (their uptime history); then what the
 * adapter's base URL ends with, if anything.
 */
const FLEET: Record<string, [type: string, behaviour: string, goodByHour: number[], path?: string]> = {
  'gpu-box-1': ['ollama', 'ok', [12, 12, 12, 12, 12, 12, 12]],
  'gpu-box-2': ['ollama', 'ok', [12, 12, 11, 12, 12, 12, 12]],
  'vllm-rate-limited': ['vllm', 'status-429', [12, 12, 12, 12, 12, 12, 12]],
  'vllm-flaky': ['vllm', 'script-ok.ok.ok.ok.ok.ok.ok.500', [12, 12, 12, 10, 12, 12, 12]],
  'vllm-back-again': ['vllm', 'script-ok.ok.ok.ok.ok.500.500.ok', [12, 12, 3, 0, 12, 12, 12]],
  'vllm-dead': ['vllm', 'status-500', [12, 12, 12, 12, 6, 0, 0]],
  'openai-no-key': ['openai', 'ok', []],
  // Keyed: its listing states prices and limits, and the catalog adds what it leaves out.
  'openrouter-keyed': ['openrouter', 'ok', [12, 12, 12, 12, 12, 12, 12], '/api/v1'],
}
const OPENROUTER_KEY = 'sk-test-or-browser'

/** Hourly rollups as cycles would have left them in the hours before the browser run. */
async function seedHistory(databaseUrl: string, backends: Record<string, string>) {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const thisHour = Math.floor(Date.now() / 3600_000) * 3600_000
    for (const [name, [, , goodByHour]] of Object.entries(FLEET)) {
      for (const [i, good] of goodByHour.entries()) {
        const latency = emptyHistogram()
        latency[latencyBucket(180)] = good
        const hour = new Date(thisHour - (goodByHour.length + 1 - i) * 3600_000)
        await client.query(
          'insert into backend_rollups (backend_id, hour, probes, good, latency) values ($1, $2, 12, $3, $4)',
          [backends[name], hour, good, latency],
        )
      }
    }
  } finally {
    await client.end()
  }
}

/** The Worker under `npm run dev`, with a fleet in every status and a day of history. */
export default async function setup(project: TestProject) {
  const providers = await startFakeProviders()
  const database = await startBrowserDatabase()
  const stopAll = async () => {
    await providers.close()
    await database.stop()
  }
  let server: Awaited<ReturnType<typeof startDevServer>> | undefined
  try {
    // The recorded models.dev catalog, from the fakes: what a model's listing leaves out comes from it.
    const catalogUrl = `${providers.url}/catalog/ok/models-dev/api.json`
    server = await startDevServer({ ...THRESHOLDS, CATALOG_URL: catalogUrl }, database.databaseUrl)
    const admin = { Authorization: `Bearer ${TEST_SETTINGS.ADMIN_TOKEN}`, 'Content-Type': 'application/json' }
    const configured = await fetch(`${server.url}/providers/openrouter/configure`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ hosts: [new URL(providers.url).host], apiKey: OPENROUTER_KEY }),
    })
    if (!configured.ok) throw new Error(`configure openrouter: ${configured.status} ${await configured.text()}`)
    const backends: Record<string, string> = {}
    for (const [name, [type, behaviour, , path = '']] of Object.entries(FLEET)) {
      const response = await fetch(`${server.url}/backends`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name, type, baseUrl: `${providers.url}/${type}/${behaviour}/${name}${path}` }),
      })
      if (response.status !== 201)
        throw new Error(`POST /backends ${name}: ${response.status} ${await response.text()}`)
      backends[name] = (await response.json<{ id: string }>()).id
    }
    await seedHistory(database.databaseUrl, backends)
    // Production's path: the cron handler (wrangler dev --test-scheduled).
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const response = await fetch(`${server.url}/__scheduled?cron=*/5+*+*+*+*`)
      if (response.status !== 200) throw new Error(`cycle ${cycle}: ${response.status} ${await response.text()}`)
    }
    project.provide('baseUrl', server.url)
    project.provide('databaseUrl', database.databaseUrl)
    project.provide('fakeProvidersUrl', providers.url)
    project.provide('backends', backends)
  } catch (error) {
    await server?.stop()
    await stopAll()
    throw error
  }
  return async () => {
    await server.stop()
    await stopAll()
  }
}
