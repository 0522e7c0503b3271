import { Hono } from 'hono'
import { z } from 'zod'
import { requireRead } from '../auth'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'
import { doc } from '../openapi'
import { backendStateSchema } from '../schemas'
import { snapshotResponse } from '../snapshot-read'

const notModified = { description: 'unchanged since the ETag sent in If-None-Match' }

export const stateRoutes = new Hono<AppEnv>()
  .use(requireRead)
  .get(
    '/',
    doc({
      tag: 'state',
      summary: "Every backend's state from the last published snapshot ([] before the first cycle)",
      access: 'read',
      ok: { 200: { description: 'the snapshot', schema: z.array(backendStateSchema) }, 304: notModified },
    }),
    (c) => snapshotResponse(c, (snapshot) => snapshot.backends),
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
      snapshotResponse(c, (snapshot) => {
        const id = c.req.param('backendId')
        const state = snapshot.backends.find((b) => b.id === id)
        if (!state) throw new ApiError(404, 'backend_not_found', `no state for backend ${id}`, 'backendId')
        return state
      }),
  )
