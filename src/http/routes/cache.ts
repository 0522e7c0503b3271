import { Hono } from 'hono'
import { z } from 'zod'
import { ModelCache } from '../../kv/model-cache'
import { requireAdmin } from '../auth'
import type { AppEnv } from '../context'
import { MAX_ID_CHARS, text } from '../input'
import { doc } from '../openapi'
import { validate } from '../validate'
import { logAdminChange } from '../log'

const backendParam = z.object({ backendId: text('backendId', { max: MAX_ID_CHARS, trim: false }) })

/** The model-list cache: ClearModelCache and InvalidateModelCache of the seed. */
export const cacheRoutes = new Hono<AppEnv>()
  .use(requireAdmin)
  .delete(
    '/',
    doc({
      tag: 'cache',
      summary: "Clear every backend's cached model list (the next cycle lists again)",
      access: 'admin',
      ok: { 200: { description: 'how many lists were cleared', schema: z.object({ cleared: z.number() }) } },
    }),
    async (c) => {
      const cleared = await new ModelCache(c.env.KV, c.get('settings').PROVIDER_CACHE_TTL_S).clear()
      logAdminChange('cache.clear', { cleared })
      return c.json({ cleared })
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
