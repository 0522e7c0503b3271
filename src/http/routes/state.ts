import { Hono } from 'hono'
import { z } from 'zod'
import { lastDayOfRollups } from '../../db/events'
import type { SnapshotReader } from '../../kv/snapshot-reader'
import type { BackendRuntimeState, SnapshotMeta } from '../../published/types'
import { hourlyPoint } from '../../reconcile/windows'
import { requireRead } from '../auth'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'
import { doc } from '../openapi'
import { limitParam } from '../input'
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, nextPageLink, pageRequest } from '../page-cursor'
import { backendStateSchema, rollupSchema } from '../schemas'
import { backendState, fullState, parsedBackendState, statePage } from '../snapshot-bodies'
import { snapshotRead, snapshotReader } from '../snapshot-read'
import { validQuery } from '../validate'

const notModified = { description: 'unchanged since the ETag sent in If-None-Match' }

const stateQuery = z.object({ limit: limitParam(DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT) })

export const stateRoutes = new Hono<AppEnv>()
  .use(requireRead)
  .get(
    '/',
    doc({
      tag: 'state',
      summary: "Every backend's state from the published snapshot",
      description:
        'Every backend\'s state from the last published snapshot ([] before the first cycle). With ?limit= (1–1000) and ?cursor=, one page, and a Link: rel="next" header naming the next one.',
      access: 'read',
      ok: {
        200: { description: 'the snapshot, or a page of it', schema: z.array(backendStateSchema) },
        304: notModified,
      },
      errors: {
        400: 'the cursor is malformed or from a replaced version',
        422: `limit is not a whole number from 1 to ${MAX_PAGE_LIMIT}`,
      },
    }),
    (c) => {
      const { limit } = validQuery(c, stateQuery)
      const cursor = c.req.query('cursor')
      // Neither a limit nor a cursor: the whole list, as stored.
      const page = c.req.query('limit') === undefined && cursor === undefined ? null : pageRequest(limit, cursor)
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
      summary: "One backend's state, with its 24 h history if asked",
      description:
        "One backend's state from the published snapshot. With ?history=24h it also has `history`: its hourly rollups (probes, good probes, uptime, latency p50/p95) for the 24 hours up to its latest, read from Postgres.",
      access: 'read',
      ok: {
        200: {
          description: 'its state',
          schema: backendStateSchema.extend({ history: z.array(rollupSchema).optional() }),
        },
        304: notModified,
      },
      errors: {
        400: 'history is not 24h',
        404: 'no state for this backend',
        503: 'with history: the database is unavailable',
      },
    }),
    async (c) => {
      const id = c.req.param('backendId')
      const history = c.req.query('history')
      if (history !== undefined && history !== '24h') {
        throw new ApiError(400, 'invalid_history', 'history must be 24h', 'history')
      }
      const stateOf = async (reader: SnapshotReader, meta: SnapshotMeta) => {
        const state = meta.shards.length > 0 ? await backendState(reader, meta, id) : null
        if (!state) throw new ApiError(404, 'backend_not_found', `no state for backend ${id}`, 'backendId')
        return state
      }
      if (history === undefined) return snapshotRead<BackendRuntimeState>(c, stateOf)
      // The series moves every cycle and lives in Postgres: no ETag, read each time.
      const reader = snapshotReader(c)
      const meta = await reader.meta()
      const state = meta && (await parsedBackendState(reader, meta, id))
      if (!state) throw new ApiError(404, 'backend_not_found', `no state for backend ${id}`, 'backendId')
      const rollups = await lastDayOfRollups(c.get('db')(), id)
      return c.json({ ...state, history: rollups.map(hourlyPoint) }, 200, { 'Cache-Control': 'no-store' })
    },
  )
