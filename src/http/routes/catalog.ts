import { Hono } from 'hono'
import { catalogSource, readCatalogMeta } from '../../catalog/store'
import { requireRead } from '../auth'
import { catalogStatusSchema } from '../catalog-schemas'
import type { AppEnv } from '../context'
import { doc } from '../openapi'
import { snapshotReader } from '../snapshot-read'

/** GET /catalog/status: where the model catalog comes from, how old it is, and what it matched. From KV only. */
export const catalogRoutes = new Hono<AppEnv>().use(requireRead).get(
  '/status',
  doc({
    tag: 'catalog',
    summary: "The model catalog's source, age and coverage",
    description:
      'The models.dev catalog: its source, age, last refresh error, models per catalog provider, and per backend type how many published models matched an entry.',
    access: 'read',
    ok: { 200: { description: 'the status', schema: catalogStatusSchema } },
  }),
  async (c) => {
    const url = c.get('settings').CATALOG_URL
    const source = url ? catalogSource(url) : null
    const [meta, snapshot] = await Promise.all([readCatalogMeta(c.env.KV), snapshotReader(c).meta()])
    const current = source && meta?.source === source ? meta : null
    const confirmedAt = current?.confirmedAt ?? null
    return c.json(
      {
        enabled: source !== null,
        source,
        confirmedAt,
        ageSeconds: confirmedAt ? Math.max(0, Math.round((Date.now() - Date.parse(confirmedAt)) / 1000)) : null,
        checkedAt: current?.checkedAt ?? null,
        error: current?.error ?? null,
        providers: Object.entries(current?.providers ?? {})
          .map(([id, p]) => ({ id, models: p.models, date: p.date }))
          .sort((a, b) => (a.id < b.id ? -1 : 1)),
        matches: snapshot?.schemaVersion === 2 ? (snapshot.catalogMatches ?? []) : [],
      },
      200,
      { 'Cache-Control': 'no-store' },
    )
  },
)
