import { Hono } from 'hono'
import { z } from 'zod'
import { requireRead } from '../auth'
import type { AppEnv } from '../context'
import { factFilterOf, factFilterQuery } from '../fact-filter-query'
import { limitParam } from '../input'
import { doc } from '../openapi'
import { mergedModelSchema, openAIModelListSchema } from '../schemas'
import { modelList, openAIModelList } from '../snapshot-bodies'
import { snapshotRead } from '../snapshot-read'
import { validQuery, validate } from '../validate'
import type { MergedModel } from '../../views/models'

type OpenAIModelList = z.infer<typeof openAIModelListSchema>

const DEFAULT_LIMIT = 100

const limitQuery = z.object({ limit: limitParam(DEFAULT_LIMIT) })

/** `?limit=` and the published facts' filter. */
const modelListQuery = limitQuery.extend(factFilterQuery)

/** GET /models: every model merged across backends, filtered on the merged facts. */
export const modelRoutes = new Hono<AppEnv>().use(requireRead).get(
  '/',
  doc({
    tag: 'models',
    summary: 'Models merged across backends, filtered by their facts',
    description:
      'Models merged across backends by id, sorted, at most ?limit= (default 100). A merged model has the largest context and limits, the capability flags OR-ed, a fact true when any backend says so (false when some say false and none true, null when none says), the modalities united and the lowest known price of each kind. Filtered on those merged facts by tools, vision, reasoning (true|false), minContext, minOutput (tokens), maxInputPrice, maxOutputPrice (USD per million tokens) and inputModality; an unknown fact satisfies no condition.',
    access: 'read',
    ok: {
      200: { description: 'the models', schema: z.array(mergedModelSchema) },
      304: { description: 'unchanged since the ETag sent in If-None-Match' },
    },
    errors: { 422: 'limit is not a whole number ≥ 1, or a bad filter (named)' },
  }),
  validate('query', modelListQuery),
  (c) => {
    const { limit } = c.req.valid('query')
    const facts = factFilterOf(c.req.valid('query'))
    return snapshotRead<MergedModel[]>(c, (reader, meta, read) => modelList(reader, meta, limit, facts, read.variant))
  },
)

/** GET /v1/models: the OpenAI list shape, for OpenAI-compatible clients. */
export const openAIRoutes = new Hono<AppEnv>().use(requireRead).get(
  '/models',
  doc({
    tag: 'models',
    summary: 'Merged models in the OpenAI list shape',
    description:
      "The models of GET /models in the OpenAI list shape, so OpenAI SDKs' models.list() reads them, at most ?limit= (default 100). Where known, each has OpenRouter's context_length (the largest known) and pricing (USD per token as decimal strings, from the backend with the lowest known input price among those that know both input and output prices).",
    access: 'read',
    ok: { 200: { description: 'the list', schema: openAIModelListSchema } },
    errors: { 422: 'limit is not a whole number ≥ 1' },
  }),
  (c) => {
    const { limit } = validQuery(c, limitQuery)
    // `created`: when this model list was first published (see reconcile/publish-snapshot.ts).
    return snapshotRead<OpenAIModelList>(c, (reader, meta) => openAIModelList(reader, meta, limit))
  },
)
