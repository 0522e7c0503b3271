import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { vi } from 'vitest'
import { sql } from 'drizzle-orm'
import { type DatabaseHandle, openDatabase } from '../src/db/client'
import { type Env, parseSettings } from '../src/env'
import { type RunSummary, runBackendCycle } from '../src/reconcile/cycle'
import type { BackendRuntimeState, ModelPullStatus } from '../src/published/types'
import worker from '../src/index'

export const ADMIN = { Authorization: `Bearer ${env.ADMIN_TOKEN}` }
export const READER = { Authorization: `Bearer ${env.READ_TOKEN}` }

/** A request to the Worker's fetch handler, as a client would send it. */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`http://runtimestate.test${path}`, init))
}

export function adminJson(method: string, path: string, body?: unknown): Promise<Response> {
  return call(path, {
    method,
    headers: { ...ADMIN, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
}

/**
 * The fakes' host:port. A stored credential is only sent to the hosts it is bound to, and the
 * fakes are not any provider's official host: type-wide credentials in tests list this one.
 */
export const FAKE_HOST = new URL(env.FAKE_PROVIDERS_URL).host

/** A request to the Worker's fetch handler with some settings changed for this one request. */
export async function fetchWith(overrides: Partial<Env>, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext()
  const response = await worker.fetch(
    new Request(`http://runtimestate.test${path}`, init),
    { ...env, ...overrides },
    ctx,
  )
  await waitOnExecutionContext(ctx)
  return response
}

/** Base URL of a fake provider: see test/fake-providers/server.ts for the grammar. */
export function fake(provider: string, behaviour: string, id: string): string {
  return `${env.FAKE_PROVIDERS_URL}/${provider}/${behaviour}/${id}`
}

export async function fakeCalls(prefix = ''): Promise<{ method: string; path: string; authorized: boolean }[]> {
  const calls = await (
    await fetch(`${env.FAKE_PROVIDERS_URL}/__calls`)
  ).json<
    {
      method: string
      path: string
      authorized: boolean
    }[]
  >()
  return calls.filter((c) => c.path.startsWith(prefix))
}

/** The most provider requests the fakes had in flight at once since the last reset. */
export async function fakeMaxInFlight(): Promise<number> {
  return (await (await fetch(`${env.FAKE_PROVIDERS_URL}/__stats`)).json<{ maxInFlight: number }>()).maxInFlight
}

/** Waits until `condition` holds, polling; throws naming `what` when it does not within the deadline. */
export async function until(condition: () => Promise<boolean>, what: string, deadlineMs = 5_000): Promise<void> {
  const deadline = Date.now() + deadlineMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await scheduler.wait(50)
  }
}

/** Runs `fn` with the Worker's own database module, closing the pool afterwards. */
export async function withDb<T>(fn: (db: ReturnType<typeof openDatabase>['db']) => Promise<T>): Promise<T> {
  const handle = openDatabase(env)
  try {
    return await fn(handle.db)
  } finally {
    await handle.close()
  }
}

/** Empty database, empty KV, fake providers with no recorded calls. */
export async function resetAll(): Promise<void> {
  await withDb((db) =>
    db.execute(sql`truncate backends, declared_models, groups, group_backends, group_models,
      provider_configs, capability_overrides, reconcile_runs, reconcile_lease, backend_health, fleet_events,
      cycle_observations, webhook_subscriptions, webhook_deliveries, webhook_counters restart identity cascade;
      update fleet_events_pruned set through = 0`),
  )
  let cursor: string | undefined
  do {
    const page = await env.KV.list({ cursor })
    await Promise.all(page.keys.map((k) => env.KV.delete(k.name)))
    cursor = page.list_complete ? undefined : page.cursor
  } while (cursor)
  await fetch(`${env.FAKE_PROVIDERS_URL}/__reset`, { method: 'POST' })
}

/**
 * The test Worker's bindings without its queues: a cycle in one invocation, the default. A test
 * that fans out passes PROBE_QUEUE back in.
 */
export const SINGLE_INVOCATION_ENV = {
  ...env,
  PROBE_QUEUE: undefined,
  PARKED_QUEUE: undefined,
  WEBHOOK_QUEUE: undefined,
} as Env

/** One cron invocation of the Worker, as production runs it. */
export async function runScheduled(overrides: Partial<Env> = {}): Promise<void> {
  const controller = createScheduledController({ cron: '*/5 * * * *', scheduledTime: new Date() })
  const ctx = createExecutionContext()
  await worker.scheduled(controller, { ...SINGLE_INVOCATION_ENV, ...overrides }, ctx)
  await waitOnExecutionContext(ctx)
}

export async function createBackend(name: string, type: string, baseUrl: string): Promise<string> {
  const response = await adminJson('POST', '/backends', { name, type, baseUrl })
  if (response.status !== 201) throw new Error(`POST /backends ${name}: ${response.status} ${await response.text()}`)
  return (await response.json<{ id: string }>()).id
}

export async function readState<T = unknown>(): Promise<T> {
  const response = await call('/state', { headers: READER })
  if (response.status !== 200) throw new Error(`GET /state: ${response.status} ${await response.text()}`)
  return await response.json<T>()
}

/** Every KV value, to search for things that must never be stored. */
export async function allKvValues(): Promise<string[]> {
  const page = await env.KV.list()
  return Promise.all(page.keys.map(async (k) => `${k.name}=${await env.KV.get(k.name)}`))
}

/** One backend's published state, by backend name. */
export async function stateOf(name: string): Promise<BackendRuntimeState> {
  const state = (await readState<BackendRuntimeState[]>()).find((s) => s.name === name)
  if (!state) throw new Error(`no state for backend ${name}`)
  return state
}

/** A published model in the shape of a fixtures README row, keyed by the model id to invoke. */
export function asRow(model: ModelPullStatus) {
  return rowOf(model, model.model)
}

/** The same, keyed by the display name, for tables that list models by another id (Bedrock). */
export function asRowByName(model: ModelPullStatus) {
  return rowOf(model, model.name)
}

function rowOf(model: ModelPullStatus, name: string) {
  return {
    name,
    contextLength: model.contextLength,
    maxOutputTokens: model.maxOutputTokens,
    canChat: model.canChat,
    canEmbed: model.canEmbed,
    canPrompt: model.canPrompt,
    canStream: model.canStream,
    canThink: model.canThink,
    canVision: model.canVision,
    tools: model.tools,
  }
}

/** Every line the Worker logged (any level) while `run` ran. */
export async function logsDuring(run: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = []
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '))
    })
  }
  try {
    await run()
  } finally {
    vi.restoreAllMocks()
  }
  return lines
}

/** The JSON log records among `lines`. */
export function jsonRecords(lines: string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>]
    } catch {
      return []
    }
  })
}

/** The `admin change` records logged while `run` ran. */
export async function adminChangesDuring(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  return jsonRecords(await logsDuring(run)).filter((r) => r.msg === 'admin change')
}

/** The test KV with the keys of every get, put and delete recorded, for counting what a step reads or writes. */
export function spyingKv() {
  const gets: string[] = []
  const puts: string[] = []
  const deletes: string[] = []
  const log: Partial<Record<PropertyKey, string[]>> = { get: gets, put: puts, delete: deletes }
  const kv = new Proxy(env.KV, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown
      if (typeof value !== 'function') return value
      const calls = log[prop]
      return (key: string, ...rest: unknown[]) => {
        calls?.push(key)
        return (value as (...args: unknown[]) => unknown).call(target, key, ...rest)
      }
    },
  })
  return { kv, gets, puts, deletes }
}

/**
 * One cycle as production runs it, with the infrastructure it is given replaced where a test says
 * so: a KV namespace that fails, or other settings.
 */
export async function cycleWith(
  options: { kv?: KVNamespace; env?: Partial<Env>; now?: () => Date } = {},
): Promise<RunSummary> {
  const cycleEnv = { ...SINGLE_INVOCATION_ENV, ...options.env }
  let handle: DatabaseHandle | undefined
  try {
    return await runBackendCycle({
      env: cycleEnv,
      settings: parseSettings(cycleEnv),
      kv: options.kv ?? env.KV,
      db: () => (handle ??= openDatabase(cycleEnv)).db,
      fetch: (input, init) => fetch(input, init),
      now: options.now ?? (() => new Date()),
      trigger: 'manual',
    })
  } finally {
    await handle?.close()
  }
}
