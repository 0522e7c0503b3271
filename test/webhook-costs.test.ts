import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/neon-serverless'
import { beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/db/client'
import * as schema from '../src/db/schema'
import { parseSettings } from '../src/env'
import { META_KEY } from '../src/kv/snapshot-reader'
import { aroundKv } from '../src/platform/invocation-budget'
import { runBackendCycle } from '../src/reconcile/cycle'
import { SINGLE_INVOCATION_ENV, adminJson, createBackend, fake, resetAll, withDb } from './helpers'

beforeEach(resetAll)

/**
 * A cycle as production runs it, with its statements counted (a logger on the same pool) and the
 * time its snapshot meta was put: the moment readers can see what changed.
 */
async function measuredCycle() {
  const handle = openDatabase(SINGLE_INVOCATION_ENV)
  let statements = 0
  const db = drizzle({ client: handle.db.$client, schema, logger: { logQuery: () => (statements += 1) } })
  let publishedAt = 0
  const kv = aroundKv(env.KV, async (method, args, call) => {
    const result = await call()
    if (method === 'put' && args[0] === META_KEY) publishedAt = Date.now()
    return result
  })
  try {
    const summary = await runBackendCycle({
      env: SINGLE_INVOCATION_ENV,
      settings: parseSettings(SINGLE_INVOCATION_ENV),
      kv,
      db: () => db,
      fetch: (input, init) => fetch(input, init),
      now: () => new Date(),
      trigger: 'manual',
    })
    return { summary, statements, publishedAt }
  } finally {
    await handle.close()
  }
}

async function arrivals(id: string): Promise<number[]> {
  const list = await (await fetch(`${fake('receiver', 'ok', id)}/__received`)).json<{ at: number }[]>()
  return list.map((r) => r.at)
}

describe('what webhooks cost a cycle', () => {
  it.each([1, 20])(
    'a status change sent to %i subscriptions: three statements and one subrequest more per subscription',
    async (subscriptions) => {
      /** The cycle in which a backend goes down, after `subscribe` ran (before the backend was known, nothing). */
      const downCycle = async (subscribe: () => Promise<void>) => {
        await createBackend('a', 'vllm', fake('vllm', 'script-ok.ok.500', `cost-${subscriptions}-${Math.random()}`))
        await measuredCycle()
        await measuredCycle()
        await subscribe()
        return measuredCycle()
      }
      const alone = await downCycle(async () => {})
      await resetAll()
      const down = await downCycle(async () => {
        for (let i = 0; i < subscriptions; i++) {
          const created = await adminJson('POST', '/webhooks', { url: `${fake('receiver', 'ok', `cost-${i}`)}/hook` })
          expect(created.status).toBe(201)
        }
      })
      expect(alone.summary).toMatchObject({ byStatus: { down: 1 }, events: 1, webhooks: { attempts: 0 } })
      expect(down.summary).toMatchObject({ byStatus: { down: 1 }, events: 1 })
      expect(down.summary.webhooks).toMatchObject({ attempts: subscriptions, delivered: subscriptions })
      // Per subscription: take the delivery, record the attempt, find nothing more to send.
      expect(down.statements - alone.statements).toBe(3 * subscriptions)
      // Per subscription, one POST (the receivers are allow-listed, so no DNS lookups).
      expect(down.summary.usage.subrequests - alone.summary.usage.subrequests).toBe(subscriptions)
      const lags = await Promise.all(
        Array.from({ length: subscriptions }, async (_, i) => (await arrivals(`cost-${i}`))[0]! - down.publishedAt),
      )
      const rowBytes = await withDb(async (db) => {
        const result = await db.execute<{ bytes: number }>(
          sql`select avg(pg_column_size(d.*))::int as bytes from webhook_deliveries d`,
        )
        return result.rows[0]!.bytes
      })
      console.log(
        JSON.stringify({
          figure: 'webhooks per cycle',
          subscriptions,
          statements: { without: alone.statements, with: down.statements },
          subrequests: { without: alone.summary.usage.subrequests, with: down.summary.usage.subrequests },
          publishToReceivedMs: { first: Math.min(...lags), last: Math.max(...lags) },
          deliveryRowBytes: rowBytes,
        }),
      )
    },
  )
})
