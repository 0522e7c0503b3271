import { z } from 'zod'
import { badPayload, clipErrorBody } from '../http'
import type { ObservedModel } from '../types'
import { firstIssue } from '../zod-issue'

/** Names the two control-plane calls in messages: "bedrock ListFoundationModels returned 403: …". */
export const FOUNDATION_MODELS_LABEL = 'bedrock ListFoundationModels'
export const INFERENCE_PROFILES_LABEL = 'bedrock ListInferenceProfiles'

// AWS enums are open (e.g. INFERENCE_PROFILE is returned but not documented): plain strings.
const summarySchema = z.object({
  modelId: z.string().min(1),
  modelArn: z.string().nullish(),
  modelName: z.string().nullish(),
  inputModalities: z.array(z.string()).nullish(),
  outputModalities: z.array(z.string()).nullish(),
  responseStreamingSupported: z.boolean().nullish(),
  inferenceTypesSupported: z.array(z.string()).nullish(),
  modelLifecycle: z.object({ status: z.string().nullish() }).nullish(),
})
const foundationModelsSchema = z.object({ modelSummaries: z.array(summarySchema).nullish() })

const profileSchema = z.object({
  inferenceProfileId: z.string().min(1),
  models: z.array(z.object({ modelArn: z.string() })).nullish(),
  status: z.string().nullish(),
  type: z.string().nullish(),
})
const profilesPageSchema = z.object({
  inferenceProfileSummaries: z.array(profileSchema).nullish(),
  nextToken: z.string().nullish(),
})

export type FoundationModelSummary = z.infer<typeof summarySchema>
export type InferenceProfile = z.infer<typeof profileSchema>

export interface InferenceProfilesPage {
  profiles: InferenceProfile[]
  /** Pass as `nextToken` for the next page; undefined on the last page. */
  nextToken: string | undefined
}

/** `GET /foundation-models` → its summaries (the API does not paginate this list). */
export function parseFoundationModels(json: unknown): FoundationModelSummary[] {
  const parsed = foundationModelsSchema.safeParse(json)
  if (!parsed.success) throw badPayload(FOUNDATION_MODELS_LABEL, firstIssue(parsed.error))
  return parsed.data.modelSummaries ?? []
}

/** One page of `GET /inference-profiles`. */
export function parseInferenceProfilesPage(json: unknown): InferenceProfilesPage {
  const parsed = profilesPageSchema.safeParse(json)
  if (!parsed.success) throw badPayload(INFERENCE_PROFILES_LABEL, firstIssue(parsed.error))
  const nextToken = parsed.data.nextToken?.trim()
  return { profiles: parsed.data.inferenceProfileSummaries ?? [], nextToken: nextToken || undefined }
}

const has = (values: readonly string[] | null | undefined, wanted: string) =>
  (values ?? []).some((v) => v.trim().toUpperCase() === wanted)

/** A model that cannot be invoked by its bare id (needs a cross-region inference profile). */
export function needsInferenceProfile(summary: FoundationModelSummary): boolean {
  return !has(summary.inferenceTypesSupported, 'ON_DEMAND')
}

/**
 * Capabilities from the listing: embeddings by output modality
 * or id; chat/prompt only for text output (image generators get nothing); streaming as the API
 * says when it says; vision for chat models taking image input. No limits, no reasoning flag.
 */
export function bedrockCapabilities(
  summary: FoundationModelSummary,
): Omit<ObservedModel, 'name' | 'displayName' | 'modifiedAt' | 'size' | 'digest'> {
  const canEmbed = has(summary.outputModalities, 'EMBEDDING') || summary.modelId.toLowerCase().includes('embed')
  const canChat = !canEmbed && has(summary.outputModalities, 'TEXT')
  const streaming = summary.responseStreamingSupported
  return {
    contextLength: 0,
    maxOutputTokens: 0,
    canChat,
    canEmbed,
    canPrompt: canChat,
    canStream: canChat && (streaming ?? true),
    canThink: false,
    canVision: canChat && has(summary.inputModalities, 'IMAGE'),
    tools: null,
    stated: {
      ...(summary.inputModalities ? { vision: canChat && has(summary.inputModalities, 'IMAGE') } : {}),
      modalities: {
        ...(summary.inputModalities ? { input: lowerCased(summary.inputModalities) } : {}),
        ...(summary.outputModalities ? { output: lowerCased(summary.outputModalities) } : {}),
      },
    },
  }
}

/**
 * The inference-profile geo prefixes that serve a region, most specific first
 * (`us-east-1` → `us`, `eu-west-1` → `eu`, `ap-northeast-1` → `jp`, `apac`).
 */
export function geoPrefixes(region: string): string[] {
  const r = region.trim().toLowerCase()
  if (r.startsWith('us-gov-')) return ['us-gov']
  if (r === 'ap-northeast-1') return ['jp', 'apac']
  if (r === 'ap-southeast-2' || r === 'ap-southeast-4') return ['au', 'apac']
  const area = r.split('-')[0] ?? ''
  if (area === 'ap') return ['apac']
  return area ? [area] : []
}

/**
 * The id to invoke a foundation model with (fixtures README "Invocation id"): its own id when it
 * runs on demand; otherwise the SYSTEM_DEFINED profile routing to it, the region's geography
 * first (`us.`, `eu.`, `apac.`…), then any other regional profile, `global.` last; undefined
 * when no profile serves it (the model cannot be invoked from this account and region).
 */
export function invocationId(
  summary: FoundationModelSummary,
  profiles: readonly InferenceProfile[],
  region: string,
): string | undefined {
  if (!needsInferenceProfile(summary)) return summary.modelId
  const suffix = `/${summary.modelId}`
  const geos = geoPrefixes(region)
  const rank = (profile: InferenceProfile) => {
    const prefix = profile.inferenceProfileId.split('.')[0]!.toLowerCase()
    const geo = geos.indexOf(prefix)
    if (geo >= 0) return geo
    return prefix === 'global' ? geos.length + 1 : geos.length
  }
  let best: InferenceProfile | undefined
  for (const profile of profiles) {
    if (profile.type && profile.type.toUpperCase() !== 'SYSTEM_DEFINED') continue
    if (profile.status && profile.status.toUpperCase() !== 'ACTIVE') continue
    if (!(profile.models ?? []).some((m) => m.modelArn.endsWith(suffix))) continue
    if (!best || rank(profile) < rank(best)) best = profile
  }
  return best?.inferenceProfileId
}

export interface BedrockModels {
  models: ObservedModel[]
  /** Foundation model ids left out because nothing can invoke them (no on-demand, no profile). */
  unavailable: string[]
}

/**
 * Foundation models + inference profiles → observed models. `name` is the id to invoke; when
 * that is a profile id, `displayName` keeps the foundation model id the capabilities belong to.
 */
export function observedFromBedrock(
  summaries: readonly FoundationModelSummary[],
  profiles: readonly InferenceProfile[],
  region: string,
): BedrockModels {
  const models: ObservedModel[] = []
  const unavailable: string[] = []
  const seen = new Set<string>()
  // Each model looks only at the profiles that route to it: thousands of models times
  // thousands of profiles would otherwise cost the isolate seconds.
  const byModel = profilesByModelId(profiles)
  for (const summary of summaries) {
    const id = summary.modelId.trim()
    if (seen.has(id)) continue
    seen.add(id)
    const invoke = invocationId({ ...summary, modelId: id }, byModel.get(id) ?? [], region)
    if (!invoke) {
      unavailable.push(id)
      continue
    }
    models.push({
      name: invoke,
      ...(invoke !== id ? { displayName: id } : {}),
      ...bedrockCapabilities(summary),
    })
  }
  return { models, unavailable }
}

/** Profiles by each id their model ARNs could end in (`…/<id>`; any suffix after a `/`). */
function profilesByModelId(profiles: readonly InferenceProfile[]): Map<string, InferenceProfile[]> {
  const byModel = new Map<string, InferenceProfile[]>()
  for (const profile of profiles) {
    const ids = new Set<string>()
    for (const { modelArn } of profile.models ?? []) {
      for (let at = modelArn.indexOf('/'); at >= 0; at = modelArn.indexOf('/', at + 1)) ids.add(modelArn.slice(at + 1))
    }
    for (const id of ids) {
      const list = byModel.get(id)
      if (list) list.push(profile)
      else byModel.set(id, [profile])
    }
  }
  return byModel
}

/**
 * What a Bedrock error says: its type from the `x-amzn-ErrorType` header (which may carry a
 * suffix: `AccessDeniedException:http://…`) or a JSON-protocol body's `__type`
 * (`com.amazon.coral…#ThrottlingException`), and the text after the status in our message,
 * `<type>: <message>`, the message being `message` or `Message`.
 */
export function bedrockError(body: string, errorTypeHeader: string | null): { type?: string; detail?: string } {
  let message: string | undefined
  let bodyType: string | undefined
  let json: Record<string, unknown> | undefined
  try {
    const parsed: unknown = JSON.parse(body)
    if (typeof parsed === 'object' && parsed !== null) json = parsed as Record<string, unknown>
  } catch {
    // Not JSON (a gateway page): the raw body is the message.
  }
  if (json) {
    const text = json.message ?? json.Message
    if (typeof text === 'string' && text.trim()) message = text.trim()
    if (typeof json.__type === 'string') bodyType = json.__type.split('#').pop()?.trim() || undefined
    if (message === undefined && bodyType === undefined) message = body.trim()
  } else if (body.trim()) {
    message = body.trim()
  }
  const type = errorTypeName(errorTypeHeader) ?? bodyType
  const detail =
    type && message ? `${type}: ${clipErrorBody(message)}` : type || (message && clipErrorBody(message)) || undefined
  return { ...(type ? { type } : {}), ...(detail ? { detail } : {}) }
}

/** `AccessDeniedException:http://internal.amazon.com/…` → `AccessDeniedException`. */
export function errorTypeName(header: string | null | undefined): string | undefined {
  const name = header?.split(':')[0]?.trim()
  return name || undefined
}

function lowerCased(values: readonly string[]): string[] {
  return values.map((v) => v.trim().toLowerCase()).filter(Boolean)
}
