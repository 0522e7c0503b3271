import { z } from 'zod'
import { badPayload } from '../http'
import type { ObservedModel } from '../types'
import { firstIssue } from '../zod-issue'

export const MISTRAL_LABEL = 'mistral catalog'

/** Older servers send a subset of these keys: a missing one is false. */
const capabilitiesSchema = z.object({
  completion_chat: z.boolean().nullish(),
  function_calling: z.boolean().nullish(),
  reasoning: z.boolean().nullish(),
  vision: z.boolean().nullish(),
  ocr: z.boolean().nullish(),
})
const cardSchema = z.object({
  id: z.string(),
  max_context_length: z.number().nullish(),
  capabilities: capabilitiesSchema.nullish(),
  type: z.string().nullish(),
  archived: z.boolean().nullish(),
})
const listSchema = z.object({ data: z.array(cardSchema) })

type MistralCard = z.infer<typeof cardSchema>

/**
 * Mistral's `/v1/models` → observed models, in list order. Aliases are separate entries and
 * are kept; archived fine-tunes cannot be called and are dropped.
 */
export function parseMistralModels(json: unknown): ObservedModel[] {
  const parsed = listSchema.safeParse(json)
  if (!parsed.success) throw badPayload(MISTRAL_LABEL, firstIssue(parsed.error))
  return parsed.data.data.filter((card) => !card.archived).map(observedFromMistral)
}

function observedFromMistral(card: MistralCard): ObservedModel {
  const capabilities = card.capabilities
  const contextLength = card.max_context_length && card.max_context_length > 0 ? card.max_context_length : 0
  const none = {
    name: card.id,
    contextLength,
    maxOutputTokens: 0,
    canChat: false,
    canEmbed: false,
    canPrompt: false,
    canStream: false,
    canThink: false,
    canVision: false,
  }
  // No embedding flag exists: embedders are known by name (as the seed does).
  if (card.id.toLowerCase().includes('embed')) return { ...none, canEmbed: true, tools: capabilities ? false : null }
  if (!capabilities) {
    // A card without capabilities says nothing: treat it as chat, as the seed does for every model.
    return { ...none, canChat: true, canPrompt: true, canStream: true, tools: null }
  }
  const chat = Boolean(capabilities.completion_chat)
  return {
    ...none,
    canChat: chat,
    canPrompt: chat,
    canStream: chat,
    canThink: chat && Boolean(capabilities.reasoning),
    canVision: Boolean(capabilities.vision),
    tools: Boolean(capabilities.function_calling),
    stated: { reasoning: chat && Boolean(capabilities.reasoning), vision: Boolean(capabilities.vision) },
  }
}
