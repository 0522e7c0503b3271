import { Hono } from 'hono'
import { z } from 'zod'
import type { BackendRuntimeState } from '../../published/types'
import { requireRead } from '../auth'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'
import { doc } from '../openapi'
import { type PageRequest, nextPageLink, pageRequest } from '../page-cursor'
import { backendStateSchema } from '../schemas'
import { backendState, fullState, statePage } from '../snapshot-bodies'
import { snapshotRead } from '../snapshot-read'

const notModified = { description: 'unchanged since the ETag sent in If-None-Match' }

export const stateRoutes = new Hono<AppEnv>()
  .use(requireRead)
  .get(
    '/',
    doc({
      tag: 'state',
      summary:
        'Every backend\'s state from the last published snapshot ([] before the first cycle); with ?limit= (1–1000) and ?cursor=, one page, the next one named by a Link: rel="next" header',
      access: 'read',
      ok: {
        200: { description: 'the snapshot, or a page of it', schema: z.array(backendStateSchema) },
        304: notModified,
      },
      errors: { 400: 'limit is not an integer from 1 to 1000, or the cursor is malformed or from a replaced version' },
    }),
    (c) => {
      const page: PageRequest | null = pageRequest(c.req.query('limit'), c.req.query('cursor'))
      if (!page) {
        return snapshotRead<BackendRuntimeState[]>(c, (reader, meta, read) => fullState(reader, meta, read.gzip), {
          gzip: true,
        })
      }
      return snapshotRead<BackendRuntimeState[]>(c, (reader, meta) => statePage(reader, meta, page.from, page.limit), {
        version: page.version,
        headers: (meta) => nextPageLink(c.req.path, meta, page),
      })
    },
  )
  .get(
    '/:backendId',
    doc({
      tag: 'state',
      summary: "One backend's state",
      access: 'read',
      ok: { 200: { description: 'its state', schema: backendStateSchema }, 304: notModified },
      errors: { 404: 'no state for this backend' },
    }),
    (c) =>
      snapshotRead<BackendRuntimeState>(c, async (reader, meta) => {
        const id = c.req.param('backendId')
        const state = meta.shards.length > 0 ? await backendState(reader, meta, id) : null
        if (!state) throw new ApiError(404, 'backend_not_found', `no state for backend ${id}`, 'backendId')
        return state
      }),
  )
