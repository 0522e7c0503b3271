import { z } from 'zod'
import type { ModelLifecycle } from '../published/types'
import { type Claims, modalityList, withClaim } from './claims'

/**
 * The models.dev catalog (`api.json`): `{ <provider>: { id, name, models: { <id>: model } } }`.
 * Only the fields this service publishes are kept (zod drops the rest); any of them malformed
 * fails the whole refresh, as a provider's listing would, and the last good catalog stays.
 * Optional fields are absent, never null, when unknown; `cost` absent means unknown, 0 means free.
 */
const tokens = z.number().int().min(0)
const price = z.number().min(0)
const date = z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'expected YYYY-MM or YYYY-MM-DD')

export const catalogModelSchema = z.object({
  family: z.string().optional(),
  attachment: z.boolean(),
  reasoning: z.boolean(),
  tool_call: z.boolean(),
  structured_output: z.boolean().optional(),
  knowledge: date.optional(),
  release_date: date.optional(),
  modalities: z.object({ input: z.array(z.string()), output: z.array(z.string()) }),
  limit: z.object({ context: tokens, input: tokens.optional(), output: tokens.optional() }),
  status: z.enum(['alpha', 'beta', 'deprecated']).optional(),
  cost: z
    .object({
      input: price.optional(),
      output: price.optional(),
      cache_read: price.optional(),
      cache_write: price.optional(),
    })
    .optional(),
})

export type ModelsDevModel = z.infer<typeof catalogModelSchema>

const providerSchema = z.object({ id: z.string(), models: z.record(z.string(), catalogModelSchema) })

/** One catalog provider as this service keeps it. */
export interface CatalogProvider {
  id: string
  models: Record<string, ModelsDevModel>
}

/**
 * The providers of `json` that `wanted` names, parsed strictly; others are skipped unread. Throws
 * with the path of the first problem; a wanted provider the catalog lacks is simply absent.
 */
export function parseCatalog(json: unknown, wanted: readonly string[]): CatalogProvider[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CatalogFormatError('the catalog is not a JSON object of providers')
  }
  const providers: CatalogProvider[] = []
  for (const id of wanted) {
    // Own keys only: a wanted id such as `constructor` must not read the object's prototype.
    if (!Object.hasOwn(json, id)) continue
    const raw = (json as Record<string, unknown>)[id]
    const parsed = providerSchema.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw new CatalogFormatError(`${[id, ...issue.path.map(String)].join('.')}: ${issue.message}`)
    }
    providers.push({ id, models: parsed.data.models })
  }
  return providers
}

export class CatalogFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CatalogFormatError'
  }
}

/**
 * What a catalog entry says, as claims. Vision is an image among its input modalities. An
 * embedding model's `limit.output` is its vector size (or a placeholder), not a token budget, so
 * it is left out; a context of 0 is not a limit either.
 */
export function catalogClaims(model: ModelsDevModel, { embedding }: { embedding: boolean }): Claims {
  const embeds = embedding || (model.family ?? '').includes('embedding')
  const claims: [Parameters<typeof withClaim>[1], Parameters<typeof withClaim>[2]][] = [
    ['limits.context', model.limit.context > 0 ? model.limit.context : undefined],
    ['limits.input', model.limit.input || undefined],
    ['limits.output', embeds ? undefined : model.limit.output || undefined],
    ['capabilities.tools', model.tool_call],
    ['capabilities.reasoning', model.reasoning],
    ['capabilities.vision', modalityList(model.modalities.input).includes('image')],
    ['capabilities.structuredOutput', model.structured_output],
    ['capabilities.attachments', model.attachment],
    ['modalities.input', modalityList(model.modalities.input)],
    ['modalities.output', modalityList(model.modalities.output)],
    ['pricing.input', model.cost?.input],
    ['pricing.output', model.cost?.output],
    ['pricing.cacheRead', model.cost?.cache_read],
    ['pricing.cacheWrite', model.cost?.cache_write],
    ['knowledgeCutoff', model.knowledge],
    ['releaseDate', model.release_date],
    ['lifecycle', lifecycleOf(model)],
  ]
  return claims.reduce<Claims>((all, [path, value]) => withClaim(all, path, value, 'catalog'), {})
}

/** models.dev says `alpha`, `beta` or `deprecated`, and nothing for a model generally available. */
function lifecycleOf(model: ModelsDevModel): ModelLifecycle {
  if (model.status === 'deprecated') return { status: 'deprecated', date: null }
  if (model.status === 'alpha' || model.status === 'beta') return { status: 'beta', date: null }
  return { status: 'active', date: null }
}
