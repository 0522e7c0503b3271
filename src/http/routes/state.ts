import { Hono } from 'hono'
import { requireRead } from '../auth'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'
import { snapshotResponse } from '../snapshot-read'

export const stateRoutes = new Hono<AppEnv>()
  .use(requireRead)
  .get('/', (c) => snapshotResponse(c, (snapshot) => snapshot.backends))
  .get('/:backendId', (c) =>
    snapshotResponse(c, (snapshot) => {
      const id = c.req.param('backendId')
      const state = snapshot.backends.find((b) => b.id === id)
      if (!state) throw new ApiError(404, 'backend_not_found', `no state for backend ${id}`, 'backendId')
      return state
    }),
  )
