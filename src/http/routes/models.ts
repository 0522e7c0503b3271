import { Hono } from 'hono'
import { z } from 'zod'
import { requireRead } from '../auth'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'
import { doc } from '../openapi'
import { mergedModelSchema, openAIModelListSchema } from '../schemas'

type OpenAIModelList = z.infer<typeof openAIModelListSchema>
import { modelList, openAIModelList } from '../snapshot-bodies'
import { snapshotRead } from '../snapshot-read'
import type { MergedModel } from '../../views/models'

const DEFAULT_LIMIT = 100

/** `?limit=`: a positive integer, 100 when absent; `null` when malformed or not positive. */
function parseLimit(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return DEFAULT_LIMIT
  const limit = z.coerce.number().int().positive().safeParse(raw)
  return limit.success ? limit.data : null
}

/** GET /models: every model merged across backends (seed §11.1). */
export const modelRoutes = new Hono<AppEnv>().use(requireRead).get(
  '/',
  doc({
    tag: 'models',
    summary:
      'Models merged across backends by id: largest context, capability flags OR-ed, sorted (?limit=, default 100)',
    access: 'read',
    ok: { 200: { description: 'the models', schema: z.array(mergedModelSchema) } },
    errors: { 422: 'limit is not a positive integer' },
  }),
  (c) => {
    const raw = c.req.query('limit')
    const limit = parseLimit(raw)
    if (limit === null) {
      const message = /^-?\d+$/.test(raw ?? '') ? 'limit must be positive' : 'invalid limit format, expected integer'
      throw new ApiError(422, 'invalid_field', message, 'limit')
    }
    return snapshotRead<MergedModel[]>(c, (reader, meta) => modelList(reader, meta, limit))
  },
)

/** GET /v1/models: the OpenAI list shape, for OpenAI-compatible clients. */
export const openAIRoutes = new Hono<AppEnv>().use(requireRead).get(
  '/models',
  doc({
    tag: 'models',
    summary: "The same models in the OpenAI list shape (works with OpenAI SDKs' models.list())",
    access: 'read',
    ok: { 200: { description: 'the list', schema: openAIModelListSchema } },
    errors: { 400: 'invalid limit' },
  }),
  (c) => {
    const limit = parseLimit(c.req.query('limit'))
    if (limit === null) throw new ApiError(400, 'invalid_limit', 'invalid limit', 'limit')
    // `created`: when this model list was first published (see SnapshotStore.write).
    return snapshotRead<OpenAIModelList>(c, (reader, meta) => openAIModelList(reader, meta, limit))
  },
)
