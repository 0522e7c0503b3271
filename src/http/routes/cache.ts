import { Hono } from 'hono'
import { z } from 'zod'
import { ModelCache } from '../../kv/model-cache'
import { requireAdmin } from '../auth'
import type { AppEnv } from '../context'
import { idParams } from '../input'
import { doc } from '../openapi'
import { validate } from '../validate'
import { logAdminChange } from '../log'

const backendParam = idParams('backendId')

/** The model-list cache: ClearModelCache and InvalidateModelCache of the seed. */
export const cacheRoutes = new Hono<AppEnv>()
  .use(requireAdmin)
  .delete(
    '/',
    doc({
      tag: 'cache',
      summary: "Clear every backend's cached model list",
      description: 'The next cycle asks every cloud provider for its model list again.',
      access: 'admin',
      ok: {
        200: {
          description:
            'the cache generation this clear started (1 for the first clear, one more for each after it); ' +
            '`cleared` repeats it for older clients, and no longer counts lists',
          schema: z.object({ cleared: z.number(), generation: z.number() }),
        },
      },
    }),
    async (c) => {
      // A new generation retires every list in one write; counting them would cost a KV operation each.
      const generation = await new ModelCache(c.env.KV, c.get('settings').PROVIDER_CACHE_TTL_S).clear()
      logAdminChange('cache.clear', { generation })
      return c.json({ cleared: generation, generation })
    },
  )
  .delete(
    '/:backendId',
    doc({
      tag: 'cache',
      summary: "Clear one backend's cached model list",
      access: 'admin',
      ok: { 200: { description: 'cleared', schema: z.object({ invalidated: z.string() }) } },
      errors: { 422: 'a backend id that is too long or not text' },
    }),
    validate('param', backendParam),
    async (c) => {
      const { backendId } = c.req.valid('param')
      await new ModelCache(c.env.KV, c.get('settings').PROVIDER_CACHE_TTL_S).invalidate(backendId)
      logAdminChange('cache.invalidate', { backendId })
      return c.json({ invalidated: backendId })
    },
  )
