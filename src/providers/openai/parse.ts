import { z } from 'zod'
import { badPayload } from '../http'
import type { ObservedModel } from '../types'
import { firstIssue } from '../zod-issue'
import { openAICapabilities, openAIMaxOutputTokens, openAISupportsVision } from './name-rules'

export const OPENAI_LABEL = 'OpenAI catalog'

const pageSchema = z.object({
  data: z.array(z.object({ id: z.string() })).nullish(),
  has_more: z.boolean().nullish(),
  last_id: z.string().nullish(),
})

export interface OpenAIPage {
  ids: string[]
  /** The id to pass as `after` for the next page, or undefined on the last page. */
  nextAfter: string | undefined
}

export function parseOpenAIPage(json: unknown): OpenAIPage {
  const parsed = pageSchema.safeParse(json)
  if (!parsed.success) throw badPayload(OPENAI_LABEL, firstIssue(parsed.error))
  const ids = (parsed.data.data ?? []).map((item) => item.id)
  const last = parsed.data.last_id ?? ids.at(-1)
  return { ids, nextAfter: parsed.data.has_more && last ? last : undefined }
}

export function observedFromOpenAIId(id: string): ObservedModel {
  const capabilities = openAICapabilities(id)
  return {
    name: id,
    contextLength: 0,
    maxOutputTokens: openAIMaxOutputTokens(id),
    ...capabilities,
    canThink: false,
    canVision: capabilities.canChat && openAISupportsVision(id),
    tools: null,
    // The list has ids only: these come from name-rules.ts, the fallback for ids the catalog lacks.
    ruled: ['maxOutputTokens', 'canVision'],
  }
}
