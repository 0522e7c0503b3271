import { Hono } from 'hono'
import { z } from 'zod'
import { mergedModels, openAIModelList } from '../../views/models'
import { requireRead } from '../auth'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'
import { snapshotResponse } from '../snapshot-read'

const DEFAULT_LIMIT = 100

/** `?limit=`: a positive integer, 100 when absent; `null` when malformed or not positive. */
function parseLimit(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return DEFAULT_LIMIT
  const limit = z.coerce.number().int().positive().safeParse(raw)
  return limit.success ? limit.data : null
}

/** GET /models: every model merged across backends (seed §11.1). */
export const modelRoutes = new Hono<AppEnv>().use(requireRead).get('/', (c) => {
  const raw = c.req.query('limit')
  const limit = parseLimit(raw)
  if (limit === null) {
    const message = /^-?\d+$/.test(raw ?? '') ? 'limit must be positive' : 'invalid limit format, expected integer'
    throw new ApiError(422, 'invalid_field', message, 'limit')
  }
  return snapshotResponse(c, (snapshot) => mergedModels(snapshot.backends).slice(0, limit))
})

/** GET /v1/models: the OpenAI list shape, for OpenAI-compatible clients. */
export const openAIRoutes = new Hono<AppEnv>().use(requireRead).get('/models', (c) => {
  const limit = parseLimit(c.req.query('limit'))
  if (limit === null) throw new ApiError(400, 'invalid_limit', 'invalid limit', 'limit')
  return snapshotResponse(c, (snapshot, meta) => {
    // `created` is when the snapshot was published, so the body matches its ETag.
    const list = openAIModelList(snapshot.backends, meta ? new Date(meta.writtenAt) : new Date(0))
    return { ...list, data: list.data.slice(0, limit) }
  })
})
