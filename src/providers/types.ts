import type { ModelFacts, ModelLifecycle, ModelPricing } from '../published/types'
import type { ProviderError } from '../errors/provider-error'

/** Backend types this service can observe. Adding one: its folder, the registry, this union. */
export type BackendType =
  'ollama' | 'vllm' | 'openai' | 'openrouter' | 'anthropic' | 'mistral' | 'bedrock' | 'gemini' | 'vertex-google'

/** One model as a backend's listing API describes it, normalised across providers. */
export interface ObservedModel extends ModelFacts {
  /** The id the provider expects when the model is invoked. */
  name: string
  /** A friendlier name the provider gives (Ollama's tags `name`), when it differs. */
  displayName?: string
  /** What the listing states beyond the flat facts. */
  stated?: StatedFacts
  /** Flat facts that come from rules on the model's name, not from the listing (OpenAI, Gemini). */
  ruled?: RuledFact[]
}

/**
 * What a listing states beyond the flat facts, each absent when it does not say. A flat boolean
 * (`canVision`, `canThink`) that is false says nothing unless the listing states it here.
 */
export interface StatedFacts {
  reasoning?: boolean
  vision?: boolean
  structuredOutput?: boolean
  attachments?: boolean
  /** The most prompt tokens, where that is its own limit. */
  inputLimit?: number
  modalities?: { input?: string[]; output?: string[] }
  /** USD per million tokens. */
  pricing?: Partial<ModelPricing>
  lifecycle?: ModelLifecycle
  releaseDate?: string
  knowledgeCutoff?: string
}

export type RuledFact = 'contextLength' | 'maxOutputTokens' | 'canVision' | 'canThink'

/**
 * Where a type's models are in the models.dev catalog: its providers there, tried in order, and
 * the ids to try for a listed id, the listed id first. Only the normalisations a provider documents
 * (a prefix it adds, a version suffix), never a similarity.
 */
export interface CatalogMapping {
  providers: readonly string[]
  candidateIds?: (id: string) => string[]
}

/** What a listing produced: the models, plus problems that did not make the listing fail. */
export interface Observation {
  models: ObservedModel[]
  /** e.g. Ollama's /api/show failing for one model: the model is kept, its details are not. */
  warnings: string[]
}

/**
 * Facts that never change for their key (an Ollama model digest's /api/show answer, say), kept
 * across cycles so a backend is not asked again. Never holds a credential.
 */
export interface DetailCache {
  getMany(keys: string[]): Promise<Map<string, unknown>>
  put(key: string, value: unknown): Promise<void>
}

export interface ListContext {
  baseUrl: string
  /** The resolved credential, or undefined when none is configured. Never logged. */
  credential: string | undefined
  fetch: typeof fetch
  /** Aborts when the probe's deadline passes. */
  signal: AbortSignal
  /** When that happens (epoch ms): optional per-model work stops short of it rather than fail the listing. */
  deadlineAt: number
  /** The clock `deadlineAt` is measured on. */
  now: () => number
  detailCache: DetailCache
  /** MAX_RESPONSE_BYTES: the most bytes one response may have; past it the listing fails (bad_payload). */
  maxResponseBytes: number
  /** Set by paginate(): what the remaining pages of one listing may still read together. */
  pageBudget?: { bytesLeft: number }
}

/**
 * How declared models combine with observed ones:
 * - `overlay`: every observed model is kept; a declared match adds its flags and context (Ollama);
 * - `filter`: declared matches take the declared record, others only with auto discovery (vLLM,
 *   OpenAI family);
 * - `ignore`: declared models play no part (Gemini, Vertex, Bedrock).
 */
export type DeclaredPolicy = 'overlay' | 'filter' | 'ignore'

/** What an operator puts in a credential for this type (`apiKey`, or the secret `apiKeyEnv` names). */
export type CredentialFormat = 'api-key' | 'service-account-json' | 'aws-credentials-json'

export interface ProviderAdapter {
  /** Name used in operator-facing messages, e.g. "OpenAI" or "vLLM". */
  label: string
  /** Where the provider's public API lives; absent when every deployment has its own URL. */
  defaultBaseUrl?: string
  /**
   * The hosts of the provider's own API: where a type-wide credential stored without `hosts` may
   * be sent (patterns as in src/hosts.ts). Empty for self-hosted types, whose
   * type-wide credentials must list their hosts.
   */
  officialHosts: readonly string[]
  /** The Worker secret name suggested for `apiKeyEnv`. */
  recommendedApiKeyEnv: string
  credentialFormat: CredentialFormat
  /** `required`: no credential configured → `API key not configured` (or the message below), no call made. */
  credential: 'required' | 'optional'
  /** What a missing required credential is called, when it is not an API key (e.g. a service account). */
  missingCredentialMessage?: string
  /** Whether model lists are cached in KV (cloud APIs that bill or rate-limit listing). */
  cacheable: boolean
  declaredPolicy: DeclaredPolicy
  /** Strip one trailing `:latest` from declared names before matching (OpenAI family). */
  stripLatest: boolean
  /**
   * Use the observed context length for a declared model that has none (0), and store it on the
   * declared model (Ollama, vLLM). When false the declared context length always wins (OpenAI family).
   */
  learnsContext: boolean
  /** Where its models are in the catalog; absent for self-hosted types, matched only by a declared `catalogId`. */
  catalog?: CatalogMapping
  /** Lists the models; throws ProviderError on any failure. */
  listModels(ctx: ListContext): Promise<Observation>
}

export type { ProviderError }
