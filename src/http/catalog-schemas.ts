import { z } from 'zod'

/** What a run's look at the models.dev catalog did (CatalogRefresh). */
export const catalogRefreshSchema = z
  .object({
    outcome: z.enum(['fresh', 'waiting', 'postponed', 'updated', 'unchanged', 'not_modified', 'failed']),
    /** Why it (or, while `waiting`, the last try) failed; the last good catalog stays. */
    error: z.string().optional(),
    /** The source's origin and path. */
    source: z.string(),
    /** When the stored catalog was last given or confirmed by its source; null if never. */
    confirmedAt: z.string().nullable(),
    ms: z.number().optional(),
  })
  .meta({ id: 'CatalogRefresh' })

export const catalogStatusSchema = z
  .object({
    /** False when CATALOG_URL is empty: no value comes from the catalog. */
    enabled: z.boolean(),
    source: z.string().nullable(),
    /** When its source last gave or confirmed it; null if never. */
    confirmedAt: z.string().nullable(),
    /** Seconds since then; null if never. */
    ageSeconds: z.number().nullable(),
    checkedAt: z.string().nullable(),
    /** Why the last refresh failed, while the last good catalog is served. */
    error: z.string().nullable(),
    providers: z.array(z.object({ id: z.string(), models: z.number(), date: z.string() })),
    /** Per backend type: models listed in the published snapshot, and how many of them matched a catalog entry. */
    matches: z.array(z.object({ type: z.string(), models: z.number(), matched: z.number() })),
  })
  .meta({ id: 'CatalogStatus' })
