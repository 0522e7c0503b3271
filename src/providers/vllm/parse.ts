import { z } from 'zod'
import { badPayload } from '../http'
import type { ObservedModel } from '../types'
import { firstIssue } from '../zod-issue'

export const VLLM_LABEL = 'vLLM catalog'

const cardSchema = z.object({
  id: z.string(),
  parent: z.string().nullish(),
  max_model_len: z.number().nullish(),
})
const listSchema = z.object({ data: z.array(cardSchema).nullish() })

/**
 * vLLM's `/v1/models` → observed models. The list says nothing about modality, so every model is
 * a chat model; a LoRA adapter (`parent` set, `max_model_len` null) inherits its base's context.
 */
export function parseVllmModels(json: unknown): ObservedModel[] {
  const parsed = listSchema.safeParse(json)
  if (!parsed.success) throw badPayload(VLLM_LABEL, firstIssue(parsed.error))
  const cards = parsed.data.data ?? []
  const contextById = new Map(cards.map((card) => [card.id, card.max_model_len ?? 0]))
  return cards.map((card) => ({
    name: card.id,
    contextLength: card.max_model_len ?? (card.parent ? (contextById.get(card.parent) ?? 0) : 0),
    maxOutputTokens: 0,
    canChat: true,
    canEmbed: false,
    canPrompt: true,
    canStream: true,
    canThink: false,
    canVision: false,
    tools: null,
  }))
}
