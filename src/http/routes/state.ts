import { Hono } from 'hono'
import { SnapshotStore } from '../../kv/snapshot-store'
import { requireRead } from '../auth'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'

/** Readers revalidate with the ETag; the snapshot changes at most once per cycle. */
const CACHE_CONTROL = 'private, no-cache'

function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  return ifNoneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag) ?? false
}

export const stateRoutes = new Hono<AppEnv>()
  .use(requireRead)
  .get('/', async (c) => {
    const store = new SnapshotStore(c.env.KV)
    const meta = await store.readMeta()
    const etag = `"${meta?.etag ?? 'empty'}"`
    c.header('ETag', etag)
    c.header('Cache-Control', CACHE_CONTROL)
    if (notModified(c.req.header('If-None-Match'), etag)) return c.body(null, 304)
    const { snapshot } = await store.read(meta)
    return c.json(snapshot.backends)
  })
  .get('/:backendId', async (c) => {
    const store = new SnapshotStore(c.env.KV)
    const { meta, snapshot } = await store.read()
    const id = c.req.param('backendId')
    const state = snapshot.backends.find((b) => b.id === id)
    if (!state) throw new ApiError(404, 'backend_not_found', `no state for backend ${id}`, 'backendId')
    const etag = `"${meta?.etag ?? 'empty'}-${id}"`
    c.header('ETag', etag)
    c.header('Cache-Control', CACHE_CONTROL)
    if (notModified(c.req.header('If-None-Match'), etag)) return c.body(null, 304)
    return c.json(state)
  })
