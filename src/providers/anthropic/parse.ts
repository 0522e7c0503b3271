import { z } from 'zod'
import { badPayload } from '../http'
import type { ObservedModel } from '../types'
import { firstIssue } from '../zod-issue'

/** Names the listing call in status errors: `anthropic catalog /v1/models returned 401: …`. */
export const ANTHROPIC_REQUEST_LABEL = 'anthropic catalog /v1/models'
/** Names it in shape errors: `decode anthropic catalog response: …` (seed wording). */
export const ANTHROPIC_LABEL = 'anthropic catalog'

const flag = z.object({ supported: z.boolean().nullish() }).nullish()
const capabilitiesSchema = z.object({
  image_input: flag,
  thinking: z
    .object({
      supported: z.boolean().nullish(),
      types: z.object({ adaptive: flag, enabled: flag }).nullish(),
    })
    .nullish(),
  effort: z
    .object({
      supported: z.boolean().nullish(),
      low: flag,
      medium: flag,
      high: flag,
      xhigh: flag,
      max: flag,
    })
    .nullish(),
})
const modelSchema = z.object({
  id: z.string(),
  created_at: z.string().nullish(),
  max_input_tokens: z.number().nullish(),
  /** Not in the documented schema; the seed reads it first. */
  max_output_tokens: z.number().nullish(),
  max_tokens: z.number().nullish(),
  capabilities: capabilitiesSchema.nullish(),
})
const pageSchema = z.object({
  data: z.array(modelSchema),
  has_more: z.boolean().nullish(),
  last_id: z.string().nullish(),
})

type AnthropicModel = z.infer<typeof modelSchema>

export interface AnthropicPage {
  models: ObservedModel[]
  /** The `after_id` of the next page, or undefined on the last page. */
  nextAfterId: string | undefined
}

/** One page of `GET /v1/models` → observed models (newest first, as listed) and the next cursor. */
export function parseAnthropicPage(json: unknown): AnthropicPage {
  const parsed = pageSchema.safeParse(json)
  if (!parsed.success) throw badPayload(ANTHROPIC_LABEL, firstIssue(parsed.error))
  const { data, has_more: hasMore } = parsed.data
  const last = parsed.data.last_id ?? data.at(-1)?.id
  if (hasMore && !last) throw badPayload(ANTHROPIC_LABEL, 'has_more is set but there is no last_id to continue after')
  return { models: data.map(observedFromAnthropic), nextAfterId: hasMore ? last : undefined }
}

function observedFromAnthropic(model: AnthropicModel): ObservedModel {
  const capabilities = model.capabilities
  const thinking = capabilities?.thinking
  const effort = capabilities?.effort
  const canThink =
    thinking?.supported ||
    thinking?.types?.adaptive?.supported ||
    thinking?.types?.enabled?.supported ||
    effort?.supported ||
    [effort?.low, effort?.medium, effort?.high, effort?.xhigh, effort?.max].some((level) => level?.supported)
  const created = model.created_at?.trim()
  return {
    name: model.id,
    contextLength: positive(model.max_input_tokens),
    maxOutputTokens: positive(model.max_output_tokens) || positive(model.max_tokens),
    canChat: true,
    canEmbed: false,
    canPrompt: true,
    canStream: true,
    canThink,
    canVision: Boolean(capabilities?.image_input?.supported),
    // The API has no tool flag (every current Claude model supports tools): unknown, not false.
    tools: null,
    ...(capabilities ? { stated: { reasoning: canThink, vision: Boolean(capabilities.image_input?.supported) } } : {}),
    ...(created && !Number.isNaN(Date.parse(created)) ? { modifiedAt: created } : {}),
  }
}

function positive(value: number | null | undefined): number {
  return value && value > 0 ? value : 0
}
