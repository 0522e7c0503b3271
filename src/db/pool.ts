import { Pool, type PoolClient } from '@neondatabase/serverless'
import { databaseUnavailable } from './errors'

type ConnectCallback = (
  err: Error | undefined,
  client: PoolClient | undefined,
  done: (release?: boolean | Error) => void,
) => void

/**
 * How long a request keeps asking for a connection the server refused for lack of slots: as long
 * as the connect timeout, so a refused request waits no longer than a slow connect may take.
 */
const CAPACITY_RETRY_BUDGET_MS = 5_000
const FIRST_DELAY_MS = 25
const MAX_DELAY_MS = 400

/**
 * A Pool that waits for a free server slot instead of failing at once. Every request opens its
 * own connection (Workers cannot share one between requests), so a burst of N requests asks the
 * server for N connections at the same moment; past max_connections Postgres refuses the extra
 * ones (53300) before any statement has run. Retrying those, and only those, with jittered
 * backoff turns a burst into a short queue: nothing was sent, so nothing can run twice.
 *
 * Every connection goes through `connect`: `pool.query` calls it with a callback, drizzle's
 * transactions call it without, so both forms are kept.
 */
export class CapacityRetryPool extends Pool {
  override connect(): Promise<PoolClient>
  override connect(callback: ConnectCallback): void
  override connect(callback?: ConnectCallback): Promise<PoolClient> | void {
    const acquired = connectWithRetry(() => super.connect(), {
      budgetMs: CAPACITY_RETRY_BUDGET_MS,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
      now: Date.now,
    })
    if (!callback) return acquired
    acquired.then(
      // The pool gives each checkout its own `release` closure, which ignores `this`.
      (client) => callback(undefined, client, client.release.bind(client)),
      // The pool's driver rejects with an Error; `connect`'s callback is typed for nothing else.
      (error: unknown) => callback(error as Error, undefined, () => undefined),
    )
  }
}

export interface RetryClock {
  budgetMs: number
  sleep(ms: number): Promise<void>
  random(): number
  now(): number
}

/** Calls `connect` again while the server says it is at capacity, within the budget. */
export async function connectWithRetry<T>(connect: () => Promise<T>, clock: RetryClock): Promise<T> {
  const deadline = clock.now() + clock.budgetMs
  for (let attempt = 0; ; attempt++) {
    try {
      return await connect()
    } catch (error) {
      if (databaseUnavailable(error)?.reason !== 'at_capacity') throw error
      // Full jitter: a burst of refused requests spreads out instead of retrying in lockstep.
      const delay = Math.round(clock.random() * Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt))
      if (clock.now() + delay >= deadline) throw error
      await clock.sleep(delay)
    }
  }
}
