import { Hono } from 'hono'
import { z } from 'zod'
import { eventsAfter } from '../../db/events'
import { requireRead } from '../auth'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'
import { doc } from '../openapi'
import { limitParam, wholeNumber } from '../input'
import { eventListSchema } from '../schemas'
import { validate } from '../validate'

export const DEFAULT_EVENTS_LIMIT = 100
export const MAX_EVENTS_LIMIT = 1000

const eventsQuery = z.object({
  after: wholeNumber('after', { min: 0 }).optional(),
  limit: limitParam(DEFAULT_EVENTS_LIMIT, MAX_EVENTS_LIMIT),
})

/** The change feed: poll with `after=<next>` to see every change once, in order. */
export const eventRoutes = new Hono<AppEnv>().use(requireRead).get(
  '/',
  doc({
    tag: 'events',
    summary: 'Changes to the fleet, in order, from a cursor',
    description: `Changes to the fleet in seq order after ?after= (every kept event without it), at most ?limit= (default ${DEFAULT_EVENTS_LIMIT}). Poll again with after= the answer's next.`,
    access: 'read',
    ok: { 200: { description: 'the events, and the cursor to poll with next', schema: eventListSchema } },
    errors: {
      410: 'events after this cursor were pruned (EVENT_RETENTION_DAYS); start again without after',
      422: `after is not a whole number ≥ 0, or limit not one from 1 to ${MAX_EVENTS_LIMIT}`,
    },
  }),
  validate('query', eventsQuery),
  async (c) => {
    const { after, limit } = c.req.valid('query')
    const { events, prunedThrough } = await eventsAfter(c.get('db')(), { after: after ?? 0, limit })
    if (after !== undefined && after < prunedThrough) {
      throw new ApiError(
        410,
        'cursor_expired',
        `events up to seq ${prunedThrough} were pruned (kept ${c.get('settings').EVENT_RETENTION_DAYS} days); start again without after`,
        'after',
      )
    }
    return c.json({
      events: events.map(({ data, ...event }) => ({ ...event, ...data })),
      next: events.at(-1)?.seq ?? Math.max(after ?? 0, prunedThrough),
    })
  },
)
