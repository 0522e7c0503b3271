import { Hono } from 'hono'
import { ModelCache } from '../../kv/model-cache'
import { requireAdmin } from '../auth'
import type { AppEnv } from '../context'

/** The model-list cache: ClearModelCache and InvalidateModelCache of the seed. */
export const cacheRoutes = new Hono<AppEnv>()
  .use(requireAdmin)
  .delete('/', async (c) => {
    const cleared = await new ModelCache(c.env.KV, c.get('settings').PROVIDER_CACHE_TTL_S).clear()
    console.log(JSON.stringify({ msg: 'admin change', action: 'cache.clear', cleared }))
    return c.json({ cleared })
  })
  .delete('/:backendId', async (c) => {
    const backendId = c.req.param('backendId')
    await new ModelCache(c.env.KV, c.get('settings').PROVIDER_CACHE_TTL_S).invalidate(backendId)
    console.log(JSON.stringify({ msg: 'admin change', action: 'cache.invalidate', backendId }))
    return c.json({ invalidated: backendId })
  })
