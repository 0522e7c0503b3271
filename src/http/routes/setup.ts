import { Hono } from 'hono'
import { runBackendCycle } from '../../reconcile/cycle'
import { requireAdmin } from '../auth'
import type { AppEnv } from '../context'
import { errorBody } from '../errors'

export const setupRoutes = new Hono<AppEnv>().use(requireAdmin).post('/refresh', async (c) => {
  const run = await runBackendCycle({
    env: c.env,
    settings: c.get('settings'),
    kv: c.env.KV,
    db: c.get('db'),
    fetch: (input, init) => fetch(input, init),
    now: () => new Date(),
    trigger: 'manual',
  })
  if (run.outcome === 'skipped') {
    return c.json({ ...errorBody(409, 'cycle_running', 'another reconcile cycle is running; try again shortly'), run }, 409)
  }
  if (run.outcome === 'failed') {
    return c.json({ ...errorBody(503, 'cycle_failed', run.error ?? 'reconcile cycle failed'), run }, 503)
  }
  return c.json(run)
})
