import { z } from 'zod'
import { badPayload } from '../http'
import type { ObservedModel } from '../types'
import { firstIssue } from '../zod-issue'
import { googleSupportsVision } from './google'

export const GEMINI_LABEL = 'Gemini catalog'

const modelSchema = z.object({
  name: z.string().min(1),
  inputTokenLimit: z.number().int().nonnegative().nullish(),
  outputTokenLimit: z.number().int().nonnegative().nullish(),
  supportedGenerationMethods: z.array(z.string()).nullish(),
  thinking: z.boolean().nullish(),
})

const pageSchema = z.object({
  // An account without models gets `{}`: no `models` at all.
  models: z.array(modelSchema).nullish(),
  nextPageToken: z.string().nullish(),
})

export type GeminiModel = z.infer<typeof modelSchema>

export interface GeminiPage {
  models: ObservedModel[]
  /** The token for the next page, or undefined on the last page. */
  nextPageToken: string | undefined
}

/** One page of `GET /v1beta/models`: everything a row needs is in the list (no describe call). */
export function parseGeminiPage(json: unknown): GeminiPage {
  const parsed = pageSchema.safeParse(json)
  if (!parsed.success) throw badPayload(GEMINI_LABEL, firstIssue(parsed.error))
  return {
    models: (parsed.data.models ?? []).map(observedFromGeminiModel),
    nextPageToken: parsed.data.nextPageToken || undefined,
  }
}

/**
 * As the Go service read it: the name keeps its `models/` prefix; limits as listed; `generateContent` means
 * chat + prompt + stream, `embedContent` means embed; thinking only when the API says so; vision
 * from the Google allow-list, for chat models only.
 */
export function observedFromGeminiModel(model: GeminiModel): ObservedModel {
  const methods = model.supportedGenerationMethods ?? []
  const chat = methods.includes('generateContent')
  return {
    name: model.name,
    contextLength: model.inputTokenLimit ?? 0,
    maxOutputTokens: model.outputTokenLimit ?? 0,
    canChat: chat,
    canEmbed: methods.includes('embedContent'),
    canPrompt: chat,
    canStream: chat,
    canThink: model.thinking === true,
    canVision: chat && googleSupportsVision(model.name),
    tools: null,
    ...(typeof model.thinking === 'boolean' ? { stated: { reasoning: model.thinking } } : {}),
    ruled: ['canVision'],
  }
}
