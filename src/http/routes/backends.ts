import { Hono } from 'hono'
import { z } from 'zod'
import { createBackend, deleteBackend, getBackend, listBackends, updateBackend } from '../../db/admin'
import { ModelCache } from '../../kv/model-cache'
import { publishableBaseUrl } from '../../secrets'
import { requireAdmin } from '../auth'
import type { AppEnv } from '../context'
import { ApiError, conflictWhenTaken } from '../errors'
import { MAX_TEXT_CHARS, backendType, body, idParams, text } from '../input'
import { doc } from '../openapi'
import { backendSchema } from '../schemas'
import { validate } from '../validate'
import { logAdminChange } from '../log'

const backendInput = body({
  name: text('name', { max: MAX_TEXT_CHARS }),
  type: backendType('type'),
  baseUrl: text('baseUrl', { max: MAX_TEXT_CHARS })
    .refine(isHttpUrl, 'baseUrl must be an http(s) URL')
    // A user name or password in the URL would be sent with every probe and shown in every
    // read of the backend: credentials belong in /providers/:type/configure.
    .refine(
      (url) => !hasUserinfo(url),
      'baseUrl must not contain a user name or password; store the credential with POST /providers/:type/configure',
    )
    // Nor a query string (`?key=…`) or fragment: a base URL is published in /state, /providers and
    // the pages, and a provider's path appended to it would land in the query anyway.
    .refine(
      (url) => publishableBaseUrl(url) === url,
      'baseUrl must not contain a query string or fragment; store the credential with POST /providers/:type/configure',
    ),
})

function isHttpUrl(url: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol)
  } catch {
    return false
  }
}

function hasUserinfo(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.username !== '' || parsed.password !== ''
  } catch {
    return false
  }
}

/** A taken name, or a taken type and base URL. */
const taken = (input: z.infer<typeof backendInput>) =>
  conflictWhenTaken((constraint) =>
    constraint.includes('name')
      ? { code: 'backend_exists', message: `backend named "${input.name}" already exists`, param: 'name' }
      : {
          code: 'backend_exists',
          message: `backend already exists for type "${input.type}" and base URL "${input.baseUrl}"`,
          param: 'baseUrl',
        },
  )

const idParam = idParams('id')

const notFound = (id: string) => new ApiError(404, 'backend_not_found', `no backend ${id}`, 'id')

export const backendRoutes = new Hono<AppEnv>()
  .use(requireAdmin)
  .post(
    '/',
    doc({
      tag: 'backends',
      summary: 'Declare a backend',
      access: 'admin',
      json: true,
      ok: { 201: { description: 'declared', schema: backendSchema } },
      errors: { 409: 'the name, or the type and base URL, are taken', 422: 'bad input; nothing written' },
    }),
    validate('json', backendInput),
    async (c) => {
      const input = c.req.valid('json')
      const backend = await createBackend(c.get('db')(), input).catch(taken(input))
      logAdminChange('backend.create', { id: backend.id, type: backend.type })
      return c.json(backend, 201)
    },
  )
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
  .get(
    '/:id',
    doc({
      tag: 'backends',
      summary: 'One declared backend',
      access: 'admin',
      ok: { 200: { description: 'the backend', schema: backendSchema } },
      errors: { 404: 'no such backend' },
    }),
    validate('param', idParam),
    async (c) => {
      const { id } = c.req.valid('param')
      const backend = await getBackend(c.get('db')(), id)
      if (!backend) throw notFound(id)
      return c.json(backend)
    },
  )
  .put(
    '/:id',
    doc({
      tag: 'backends',
      summary: "Replace a backend's name, type and base URL",
      description:
        'createdAt is kept. Its cached model list is dropped, and its own credential too if its type or host changes.',
      access: 'admin',
      json: true,
      ok: { 200: { description: 'the updated backend', schema: backendSchema } },
      errors: {
        404: 'no such backend',
        409: 'the name, or the type and base URL, are taken by another backend',
        422: 'bad input; nothing written',
      },
    }),
    validate('param', idParam),
    validate('json', backendInput),
    async (c) => {
      const { id } = c.req.valid('param')
      const input = c.req.valid('json')
      const backend = await updateBackend(c.get('db')(), id, input).catch(taken(input))
      if (!backend) throw notFound(id)
      await new ModelCache(c.env.KV, c.get('settings').PROVIDER_CACHE_TTL_S).invalidate(id)
      logAdminChange('backend.update', { id, type: backend.type })
      return c.json(backend)
    },
  )
  .delete(
    '/:id',
    doc({
      tag: 'backends',
      summary: 'Delete a backend',
      description: 'Its group memberships, its own credentials and its cached model list go with it.',
      access: 'admin',
      ok: { 200: { description: 'deleted', schema: z.object({ deleted: z.string() }) } },
      errors: { 404: 'no such backend' },
    }),
    validate('param', idParam),
    async (c) => {
      const { id } = c.req.valid('param')
      if (!(await deleteBackend(c.get('db')(), id))) throw notFound(id)
      await new ModelCache(c.env.KV, c.get('settings').PROVIDER_CACHE_TTL_S).invalidate(id)
      logAdminChange('backend.delete', { id })
      return c.json({ deleted: id })
    },
  )
