import { Hono } from 'hono'
import { z } from 'zod'
import { requireRead } from '../auth'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'
import { factFilterOf, factFilterQuery } from '../fact-filter-query'
import { doc } from '../openapi'
import { mergedModelSchema, openAIModelListSchema } from '../schemas'
import { modelList, openAIModelList } from '../snapshot-bodies'
import { snapshotRead } from '../snapshot-read'
import { validate } from '../validate'
import type { MergedModel } from '../../views/models'

type OpenAIModelList = z.infer<typeof openAIModelListSchema>

const DEFAULT_LIMIT = 100

/** `?limit=`: a positive integer, 100 when absent; `null` when malformed or not positive. */
function parseLimit(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return DEFAULT_LIMIT
  const limit = z.coerce.number().int().positive().safeParse(raw)
  return limit.success ? limit.data : null
}

/** `?limit=` (read as the seed did, with its messages) and the published facts' filter. */
const modelListQuery = z.object({
  limit: z.string({ error: 'invalid limit format, expected integer' }).optional().describe('default 100'),
  ...factFilterQuery,
})

/** GET /models: every model merged across backends, filtered on the merged facts. */
export const modelRoutes = new Hono<AppEnv>().use(requireRead).get(
  '/',
  doc({
    tag: 'models',
    summary:
      'Models merged across backends by id, sorted (?limit=, default 100): largest context and limits, capability flags OR-ed, a fact true when any backend says so (false when some say false and none true, null when none says), modalities united, the lowest known price of each kind. Filtered on those merged facts by tools, vision, reasoning (true|false), minContext, minOutput (tokens), maxInputPrice, maxOutputPrice (USD per million tokens) and inputModality; an unknown fact satisfies no condition',
    access: 'read',
    ok: {
      200: { description: 'the models', schema: z.array(mergedModelSchema) },
      304: { description: 'unchanged since the ETag sent in If-None-Match' },
    },
    errors: { 422: 'limit is not a positive integer, or a bad filter (named)' },
  }),
  validate('query', modelListQuery),
  (c) => {
    const raw = c.req.query('limit')
    const limit = parseLimit(raw)
    if (limit === null) {
      const message = /^-?\d+$/.test(raw ?? '') ? 'limit must be positive' : 'invalid limit format, expected integer'
      throw new ApiError(422, 'invalid_field', message, 'limit')
    }
    const facts = factFilterOf(c.req.valid('query'))
    return snapshotRead<MergedModel[]>(c, (reader, meta, read) => modelList(reader, meta, limit, facts, read.variant))
  },
)

/** GET /v1/models: the OpenAI list shape, for OpenAI-compatible clients. */
export const openAIRoutes = new Hono<AppEnv>().use(requireRead).get(
  '/models',
  doc({
    tag: 'models',
    summary:
      "The same models in the OpenAI list shape (works with OpenAI SDKs' models.list()), with OpenRouter's context_length (the largest known) and pricing (USD per token as decimal strings, from the backend with the lowest known input price among those that know input and output prices) where known (?limit=, default 100)",
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
