import { z } from 'zod'
import { ProviderError } from '../../errors/provider-error'
import { googleSupportsVision } from '../gemini/google'
import type { ObservedModel } from '../types'
import { firstIssue } from '../zod-issue'

const lastSegment = (name: string) => name.split('/').at(-1)?.trim() ?? ''

const modelSchema = z.object({
  name: z.string().refine((name) => lastSegment(name) !== '', 'publisher model name has no model id'),
  openSourceCategory: z.string().nullish(),
})

const pageSchema = z.object({
  publisherModels: z.array(modelSchema).nullish(),
  nextPageToken: z.string().nullish(),
})

export type PublisherModel = z.infer<typeof modelSchema>

export interface PublisherModelsPage {
  models: ObservedModel[]
  nextPageToken: string | undefined
}

/** One page of `GET /v1beta1/publishers/google/models`. */
export function parsePublisherModelsPage(json: unknown): PublisherModelsPage {
  const parsed = pageSchema.safeParse(json)
  if (!parsed.success) {
    throw new ProviderError('bad_payload', `decode vertex publisher model list: ${firstIssue(parsed.error)}`)
  }
  return {
    models: (parsed.data.publisherModels ?? []).map(observedFromPublisherModel),
    nextPageToken: parsed.data.nextPageToken || undefined,
  }
}

const NO_CAPABILITY_MARKERS = ['imagen', 'veo-', 'tts', 'lyria', 'nano-banana', 'aqa']

/**
 * Model Garden open models (`gemma3`, Llama, …) are deploy-only: the publisher endpoint cannot
 * call them, so they get no capabilities (the Go catalog marked them chat, which sent chat traffic to them).
 * An absent or unspecified category is not an open model.
 */
export function isOpenModel(openSourceCategory: string | null | undefined): boolean {
  return Boolean(
    openSourceCategory &&
    openSourceCategory !== 'PROPRIETARY' &&
    openSourceCategory !== 'OPEN_SOURCE_CATEGORY_UNSPECIFIED',
  )
}

/**
 * Name = last path segment. The list has no limits, modalities or thinking flag, so: `embed` in
 * the name → embedding; image/video/audio generators → nothing; otherwise chat + prompt + stream,
 * with vision from the Google allow-list.
 */
export function observedFromPublisherModel(model: PublisherModel): ObservedModel {
  const name = lastSegment(model.name)
  return {
    name,
    contextLength: 0,
    maxOutputTokens: 0,
    ...vertexCapabilities(name, model.openSourceCategory),
    canThink: false,
    tools: null,
    ruled: ['canVision'],
  }
}

const NONE = { canChat: false, canEmbed: false, canPrompt: false, canStream: false, canVision: false }

function vertexCapabilities(name: string, openSourceCategory: string | null | undefined) {
  const id = name.toLowerCase()
  if (isOpenModel(openSourceCategory)) return NONE
  if (id.includes('embed')) return { ...NONE, canEmbed: true }
  if (NO_CAPABILITY_MARKERS.some((marker) => id.includes(marker))) return NONE
  return { canChat: true, canEmbed: false, canPrompt: true, canStream: true, canVision: googleSupportsVision(name) }
}
