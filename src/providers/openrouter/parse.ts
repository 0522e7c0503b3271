import { z } from 'zod'
import { badPayload } from '../http'
import type { ObservedModel, StatedFacts } from '../types'
import { firstIssue } from '../zod-issue'

export const OPENROUTER_LABEL = 'openrouter catalog'
export const OPENROUTER_EMBEDDINGS_LABEL = 'openrouter embeddings catalog'

const modelSchema = z.object({
  id: z.string(),
  context_length: z.number().nullish(),
  architecture: z
    .object({
      modality: z.string().nullish(),
      input_modalities: z.array(z.string()).nullish(),
      output_modalities: z.array(z.string()).nullish(),
    })
    .nullish(),
  top_provider: z
    .object({
      context_length: z.number().nullish(),
      max_completion_tokens: z.number().nullish(),
    })
    .nullish(),
  supported_parameters: z.array(z.string()).nullish(),
  /** USD per token, as decimal strings; "-1" (or absent) when it varies or is unknown. */
  pricing: z
    .object({
      prompt: z.string().nullish(),
      completion: z.string().nullish(),
      input_cache_read: z.string().nullish(),
      input_cache_write: z.string().nullish(),
    })
    .nullish(),
  knowledge_cutoff: z.string().nullish(),
  /** When OpenRouter stops serving it. */
  expiration_date: z.string().nullish(),
  /** "Omitted for non-reasoning models": its presence alone says the model reasons. */
  reasoning: z.record(z.string(), z.unknown()).nullish(),
})
const listSchema = z.object({
  data: z.array(modelSchema),
  links: z.object({ next: z.string().nullish() }).nullish(),
})

type OpenRouterModel = z.infer<typeof modelSchema>

export interface OpenRouterPage {
  models: ObservedModel[]
  /** `links.next` when the server says the list continues (never with offset/limit omitted). */
  next: string | undefined
}

/**
 * One OpenRouter list (`/models` or `/embeddings/models`; both share the `Model` schema) →
 * observed models, in the provider's order. Models that output neither text nor embeddings
 * (image/audio/video generators) are left out.
 */
export function parseOpenRouterModels(json: unknown, label = OPENROUTER_LABEL): OpenRouterPage {
  const parsed = listSchema.safeParse(json)
  if (!parsed.success) throw badPayload(label, firstIssue(parsed.error))
  const models = parsed.data.data.flatMap((model) => {
    const observed = observedFromOpenRouter(model)
    return observed ? [observed] : []
  })
  return { models, next: parsed.data.links?.next?.trim() || undefined }
}

/** Several lists → one, by id; the first record of an id wins (the lists describe it alike). */
export function mergeById(...lists: ObservedModel[][]): ObservedModel[] {
  const byId = new Map<string, ObservedModel>()
  for (const model of lists.flat()) if (!byId.has(model.name)) byId.set(model.name, model)
  return [...byId.values()]
}

function observedFromOpenRouter(model: OpenRouterModel): ObservedModel | undefined {
  const architecture = model.architecture
  const [inputSide = '', outputSide = ''] = (architecture?.modality ?? '').toLowerCase().split('->')
  const outputs = modalities(architecture?.output_modalities, outputSide)
  const inputs = modalities(architecture?.input_modalities, inputSide)
  const parameters = model.supported_parameters
  const reasons =
    model.reasoning != null || Boolean(parameters?.some((p) => p === 'reasoning' || p === 'include_reasoning'))
  const base = {
    name: model.id,
    contextLength: positive(model.top_provider?.context_length) || positive(model.context_length),
    maxOutputTokens: positive(model.top_provider?.max_completion_tokens),
    canChat: false,
    canEmbed: false,
    canPrompt: false,
    canStream: false,
    canThink: false,
    canVision: false,
    tools: parameters ? parameters.includes('tools') : null,
    stated: statedFacts(model, inputs, outputs, reasons),
  }
  // Embedding models claim `text->text` in `modality`: the output list (or the id) decides first.
  if (outputs.includes('embeddings') || model.id.toLowerCase().includes('embed')) {
    return { ...base, canEmbed: true }
  }
  if (!outputs.includes('text')) return undefined
  return {
    ...base,
    canChat: true,
    canPrompt: true,
    canStream: true,
    canThink: reasons,
    canVision: inputs.includes('image'),
  }
}

/** What the listing states beyond the flat facts; its `file` input is a PDF, as the catalog names it. */
function statedFacts(model: OpenRouterModel, inputs: string[], outputs: string[], reasons: boolean): StatedFacts {
  const parameters = model.supported_parameters
  const pricing = {
    input: perMillion(model.pricing?.prompt),
    output: perMillion(model.pricing?.completion),
    cacheRead: perMillion(model.pricing?.input_cache_read),
    cacheWrite: perMillion(model.pricing?.input_cache_write),
  }
  const cutoff = model.knowledge_cutoff?.trim()
  const expires = model.expiration_date?.trim()
  return {
    ...(inputs.length > 0 ? { vision: inputs.includes('image'), attachments: inputs.some((m) => m !== 'text') } : {}),
    ...(parameters || model.reasoning != null ? { reasoning: reasons } : {}),
    ...(parameters ? { structuredOutput: parameters.includes('structured_outputs') } : {}),
    modalities: {
      ...(inputs.length > 0 ? { input: inputs.map((m) => (m === 'file' ? 'pdf' : m)) } : {}),
      ...(outputs.length > 0 ? { output: outputs } : {}),
    },
    pricing: Object.fromEntries(Object.entries(pricing).filter(([, v]) => v !== undefined)),
    ...(cutoff && DATE.test(cutoff) ? { knowledgeCutoff: cutoff } : {}),
    ...(expires && DATE.test(expires) ? { lifecycle: { status: 'deprecated' as const, date: expires } } : {}),
  }
}

const DATE = /^\d{4}-\d{2}(-\d{2})?$/

/** A per-token price string as USD per million tokens; undefined when absent, negative or not a number. */
function perMillion(perToken: string | null | undefined): number | undefined {
  if (perToken === null || perToken === undefined || perToken.trim() === '') return undefined
  const value = Number(perToken)
  if (!Number.isFinite(value) || value < 0) return undefined
  // 0.000003 × 1e6 is 2.9999999999999996 in binary floating point: round off what the strings never had.
  return Number((value * 1_000_000).toPrecision(12))
}

/** The listed modalities, lower-cased and trimmed; else one side of `modality` ("text+image"). */
function modalities(listed: string[] | null | undefined, side: string): string[] {
  const values = listed && listed.length > 0 ? listed : side.split('+')
  return values.map((v) => v.trim().toLowerCase()).filter(Boolean)
}

function positive(value: number | null | undefined): number {
  return value && value > 0 ? value : 0
}
