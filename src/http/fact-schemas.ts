import { z } from 'zod'
import { FACT_SOURCES, LIFECYCLE_STATUSES } from '../published/types'

/** The published facts' shapes (ModelCatalogFacts), for /openapi.json and the typed client. */

const tokens = z.number().nullable()
const known = z.boolean().nullable()
const usd = z.number().nullable()
const source = z.enum(FACT_SOURCES)

export const modelLimitsSchema = z
  .object({
    context: tokens.describe('the whole window, prompt and completion'),
    input: tokens.describe('the most prompt tokens, where that is its own limit'),
    output: tokens.describe('the most completion tokens'),
  })
  .describe('token limits; null when unknown (never 0)')
  .meta({ id: 'ModelLimits' })

export const modelCapabilitiesSchema = z
  .object({ tools: known, reasoning: known, vision: known, structuredOutput: known, attachments: known })
  .describe('what the model can do; null when no source says')
  .meta({ id: 'ModelCapabilities' })

export const modelModalitiesSchema = z
  .object({ input: z.array(z.string()).nullable(), output: z.array(z.string()).nullable() })
  .describe('lower-case lists such as text, image, audio, video, pdf; null when unknown')
  .meta({ id: 'ModelModalities' })

export const modelPricingSchema = z
  .object({ input: usd, output: usd, cacheRead: usd, cacheWrite: usd })
  .describe('USD per million tokens; null when unknown (a known free model says 0)')
  .meta({ id: 'ModelPricing' })

/** What /providers entries and /models merge: the facts a FactFilter reads, and their neighbours. */
export const publishedFactsShape = {
  limits: modelLimitsSchema,
  capabilities: modelCapabilitiesSchema,
  modalities: modelModalitiesSchema,
  pricing: modelPricingSchema,
}

export const modelCatalogFactsShape = {
  ...publishedFactsShape,
  knowledgeCutoff: z.string().nullable().describe('YYYY-MM or YYYY-MM-DD'),
  releaseDate: z.string().nullable(),
  lifecycle: z
    .object({ status: z.enum(LIFECYCLE_STATUSES), date: z.string().nullable() })
    .nullable()
    .meta({ id: 'ModelLifecycle' }),
  sources: z
    .object({
      limits: z.object({ context: source, input: source, output: source }),
      capabilities: z.object({
        tools: source,
        reasoning: source,
        vision: source,
        structuredOutput: source,
        attachments: source,
      }),
      modalities: z.object({ input: source, output: source }),
      pricing: z.object({ input: source, output: source, cacheRead: source, cacheWrite: source }),
      knowledgeCutoff: source,
      releaseDate: source,
      lifecycle: source,
    })
    .describe('where each fact came from, in precedence order override > discovered > declared > catalog > rule')
    .meta({ id: 'FactSources' }),
  catalog: z
    .object({ id: z.string(), date: z.string() })
    .nullable()
    .describe('the models.dev entry matched (provider/model) and the date of its catalog'),
  conflicts: z
    .array(
      z
        .object({ field: z.string(), value: z.unknown(), source })
        .describe('a value a lower-ranked source gave for a field published from a higher-ranked one')
        .meta({ id: 'FactConflict' }),
    )
    .describe('values that disagree with what is published'),
}
