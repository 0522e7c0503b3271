import { z } from 'zod'
import { badPayload } from '../http'
import type { ObservedModel } from '../types'
import { firstIssue } from '../zod-issue'

const LABEL = 'ollama API'

const tagSchema = z.object({
  name: z.string(),
  model: z.string().optional(),
  modified_at: z.string().optional(),
  size: z.number().optional(),
  digest: z.string().optional(),
  details: z.object({ context_length: z.number().optional() }).nullish(),
  // Ollama ≥ 0.30 lists capabilities with each tag, which makes /api/show unnecessary.
  capabilities: z.array(z.string()).nullish(),
})
const tagsSchema = z.object({ models: z.array(tagSchema).nullish() })

const showSchema = z.object({
  capabilities: z.array(z.string()).nullish(),
  model_info: z.record(z.string(), z.unknown()).nullish(),
})

export type OllamaTag = z.infer<typeof tagSchema>
export type OllamaShow = z.infer<typeof showSchema>

export function parseTags(json: unknown): OllamaTag[] {
  const parsed = tagsSchema.safeParse(json)
  if (!parsed.success) throw badPayload(LABEL, firstIssue(parsed.error))
  return parsed.data.models ?? []
}

export function parseShow(json: unknown): OllamaShow {
  const parsed = showSchema.safeParse(json)
  if (!parsed.success) throw badPayload(LABEL, firstIssue(parsed.error))
  return parsed.data
}

/** The name /api/show and inference expect: tags `model`, falling back to `name`. */
export function tagModelName(tag: OllamaTag): string {
  return (tag.model ?? '').trim() || tag.name.trim()
}

/**
 * One observed model from a tag, with capabilities from `show` when given, else from the tag
 * itself (Ollama ≥ 0.30), else none (a failed /api/show keeps the model without capabilities).
 */
export function observedFromTag(tag: OllamaTag, show?: OllamaShow): ObservedModel {
  const name = tagModelName(tag)
  const capabilities = new Set(show?.capabilities ?? tag.capabilities ?? [])
  const completion = capabilities.has('completion')
  const displayName = tag.name.trim()
  return {
    name,
    ...(displayName && displayName !== name ? { displayName } : {}),
    contextLength: contextFromModelInfo(show?.model_info) || (tag.details?.context_length ?? 0),
    maxOutputTokens: 0,
    // Go also treats `tools` as chat; a tools-only model is still a chat model.
    canChat: completion || capabilities.has('tools'),
    canEmbed: capabilities.has('embedding'),
    canPrompt: completion,
    canStream: completion,
    canThink: capabilities.has('thinking'),
    canVision: capabilities.has('vision'),
    tools: show || tag.capabilities ? capabilities.has('tools') : null,
    ...(show?.capabilities || tag.capabilities
      ? { stated: { reasoning: capabilities.has('thinking'), vision: capabilities.has('vision') } }
      : {}),
    modifiedAt: tag.modified_at,
    size: tag.size,
    digest: tag.digest,
  }
}

/** Whether every tag already carries its capabilities, so no /api/show call is needed. */
export function tagsCarryCapabilities(tags: OllamaTag[]): boolean {
  return tags.every((tag) => Array.isArray(tag.capabilities))
}

/**
 * The model's maximum context from /api/show `model_info`: `<architecture>.context_length`,
 * else the first key ending in `.context_length` (the model's max, not the loaded num_ctx).
 */
export function contextFromModelInfo(modelInfo: Record<string, unknown> | null | undefined): number {
  if (!modelInfo) return 0
  const architecture = modelInfo['general.architecture']
  if (typeof architecture === 'string') {
    const value = modelInfo[`${architecture}.context_length`]
    if (typeof value === 'number' && value > 0) return value
  }
  for (const [key, value] of Object.entries(modelInfo)) {
    if (key.endsWith('.context_length') && typeof value === 'number' && value > 0) return value
  }
  return 0
}
