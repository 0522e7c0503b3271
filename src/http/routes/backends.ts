import { Hono } from 'hono'
import { z } from 'zod'
import { createBackend, deleteBackend, listBackends } from '../../db/admin'
import { ModelCache } from '../../kv/model-cache'
import { BACKEND_TYPES, canonicalBackendType } from '../../providers'
import { requireAdmin } from '../auth'
import type { AppEnv } from '../context'
import { ApiError, uniqueViolation } from '../errors'
import { doc } from '../openapi'
import { backendSchema } from '../schemas'
import { validate } from '../validate'

const backendInput = z.object({
  name: z.string().trim().min(1, 'name is required').max(512),
  type: z
    .string()
    .transform(canonicalBackendType)
    .pipe(z.enum(BACKEND_TYPES as [string, ...string[]], { error: `type must be one of ${BACKEND_TYPES.join(', ')}` })),
  baseUrl: z
    .string()
    .trim()
    .max(512)
    .refine(isHttpUrl, 'baseUrl must be an http(s) URL'),
})

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol)
  } catch {
    return false
  }
}

export const backendRoutes = new Hono<AppEnv>()
  .use(requireAdmin)
  .post(
    '/',
    doc({
      tag: 'backends',
      summary: 'Declare a backend',
      access: 'admin',
      ok: { 201: { description: 'declared', schema: backendSchema } },
      errors: { 409: 'the name, or the type and base URL, are taken', 422: 'bad input; nothing written' },
    }),
    validate('json', backendInput),
    async (c) => {
    const input = c.req.valid('json')
    try {
      const backend = await createBackend(c.get('db')(), input)
      console.log(JSON.stringify({ msg: 'admin change', action: 'backend.create', id: backend.id, type: backend.type }))
      return c.json(backend, 201)
    } catch (error) {
      const conflict = uniqueViolation(error)
      if (conflict?.constraint.includes('name')) {
        throw new ApiError(409, 'backend_exists', `backend named "${input.name}" already exists`, 'name')
      }
      if (conflict) {
        throw new ApiError(
          409,
          'backend_exists',
          `backend already exists for type "${input.type}" and base URL "${input.baseUrl}"`,
          'baseUrl',
        )
      }
      throw error
    }
  })
  .get(
    '/',
    doc({
      tag: 'backends',
      summary: 'Every declared backend, newest first',
      access: 'admin',
      ok: { 200: { description: 'the backends', schema: z.array(backendSchema) } },
    }),
    async (c) => c.json(await listBackends(c.get('db')())),
  )
  .delete(
    '/:id',
    doc({
      tag: 'backends',
      summary: 'Delete a backend, its group memberships, its own credentials and its cached model list',
      access: 'admin',
      ok: { 200: { description: 'deleted', schema: z.object({ deleted: z.string() }) } },
      errors: { 404: 'no such backend' },
    }),
    async (c) => {
    const id = c.req.param('id')
    if (!(await deleteBackend(c.get('db')(), id))) {
      throw new ApiError(404, 'backend_not_found', `no backend ${id}`, 'id')
    }
    await new ModelCache(c.env.KV, c.get('settings').PROVIDER_CACHE_TTL_S).invalidate(id)
    console.log(JSON.stringify({ msg: 'admin change', action: 'backend.delete', id }))
    return c.json({ deleted: id })
  })
