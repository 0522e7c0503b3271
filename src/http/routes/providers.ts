import { Hono } from 'hono'
import { z } from 'zod'
import { CAPABILITIES, type ProviderEntry, providerQuery as queryOf } from '../../views/providers'
import { requireRead } from '../auth'
import type { AppEnv } from '../context'
import { text } from '../input'
import { factFilterOf, factFilterQuery } from '../fact-filter-query'
import { providerList } from '../snapshot-bodies'
import { snapshotRead } from '../snapshot-read'
import { doc } from '../openapi'
import { providerEntrySchema } from '../schemas'
import { validate } from '../validate'

/** The longest backend type name, with room to spare. */
export const MAX_TYPE_CHARS = 64

const asList = (value: string | string[] | undefined) => (value === undefined ? [] : [value].flat())

/** A query parameter that may repeat, a bounded number of times. */
const repeated = (field: string) =>
  z
    .union([
      text(field, { max: MAX_TYPE_CHARS, min: 0 }),
      z.array(text(field, { max: MAX_TYPE_CHARS, min: 0 })).max(20, `${field} may repeat at most 20 times`),
    ])
    .optional()
    .transform(asList)

const providerQuery = z.object({
  type: repeated('type'),
  capability: repeated('capability').pipe(
    z.array(z.enum(CAPABILITIES, { error: `capability must be one of ${CAPABILITIES.join(', ')}` })),
  ),
  // minContext, minOutput, tools, vision, reasoning, prices and inputModality: the published facts.
  ...factFilterQuery,
  fresh: z
    .enum(['true', 'false'], { error: 'fresh must be true or false' })
    .optional()
    .transform((v) => v === 'true'),
})

/**
 * GET /providers: what the published snapshot says each backend serves, filtered. The credential
 * routes under /providers (admin) are in provider-credentials.ts.
 */
export const providerRoutes = new Hono<AppEnv>().get(
  '/',
  doc({
    tag: 'providers',
    summary: 'Which backend serves which model, filtered',
    description:
      "One entry per (serving backend, model), filtered by type and capability flags (each may repeat), and by the published facts: tools, vision, reasoning (true|false), minContext, minOutput (tokens), maxInputPrice, maxOutputPrice (USD per million tokens) and inputModality (e.g. image). An unknown fact satisfies no condition. A suspect backend's last good models are included, marked stale: true; fresh=true leaves them out.",
    access: 'read',
    ok: {
      200: { description: 'the providers', schema: z.array(providerEntrySchema) },
      304: { description: 'unchanged since the ETag sent in If-None-Match' },
    },
    errors: { 422: 'a bad filter' },
  }),
  requireRead,
  validate('query', providerQuery),
  (c) => {
    const query = c.req.valid('query')
    const filter = queryOf({
      ...factFilterOf(query),
      types: query.type,
      capabilities: query.capability,
      fresh: query.fresh,
    })
    return snapshotRead<ProviderEntry[]>(c, (reader, meta, read) => providerList(reader, meta, filter, read.variant))
  },
)
