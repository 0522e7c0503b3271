import type { ErrorKind } from '../errors/provider-error'

/**
 * What readers get: the snapshot a cycle publishes to KV and the read routes serve. Kept apart
 * from the database and the cycle, so the store and the views depend on the published shape only.
 */

/** A declared backend, as the admin routes return it and each backend's state carries it. */
export interface BackendRecord {
  id: string
  name: string
  baseUrl: string
  type: string
  createdAt: string
  updatedAt: string
}

/**
 * Every BackendStatus; the response schemas list them. `suspect`: failing, not yet FAIL_THRESHOLD
 * times in a row, serving its last good models marked stale. `recovering`: was down, answering
 * again, not yet RECOVER_THRESHOLD times in a row.
 */
export const BACKEND_STATUSES = [
  'healthy',
  'degraded',
  'suspect',
  'down',
  'recovering',
  'unconfigured',
  'unsupported',
] as const

export type BackendStatus = (typeof BACKEND_STATUSES)[number]

/** What a model can do and how much it takes, as a provider reports it (or a declaration says). */
export interface ModelFacts {
  /** 0 = unknown. */
  contextLength: number
  /** 0 = unknown. */
  maxOutputTokens: number
  canChat: boolean
  canEmbed: boolean
  canPrompt: boolean
  canStream: boolean
  canThink: boolean
  canVision: boolean
  /** Tool calling; null when the provider does not say. */
  tools: boolean | null
  modifiedAt?: string
  size?: number
  digest?: string
}

/**
 * Where a published fact came from, in precedence order: an operator's capability override, the
 * provider's own listing, a declared model, the models.dev catalog, the name rules; `unknown` when
 * none of them says.
 */
export const FACT_SOURCES = ['override', 'discovered', 'declared', 'catalog', 'rule', 'unknown'] as const
export type FactSource = (typeof FACT_SOURCES)[number]

/** Token limits; null when unknown (never 0). */
export interface ModelLimits {
  /** The whole window, prompt and completion. */
  context: number | null
  /** The most prompt tokens, where that is its own limit. */
  input: number | null
  /** The most completion tokens. */
  output: number | null
}

/** What a model can do; null when no source says. */
export interface ModelCapabilities {
  tools: boolean | null
  reasoning: boolean | null
  vision: boolean | null
  structuredOutput: boolean | null
  /** Takes files or images as input. */
  attachments: boolean | null
}

/** Each a list such as `text`, `image`, `audio`, `video`, `pdf`, lower-case; null when unknown. */
export interface ModelModalities {
  input: string[] | null
  output: string[] | null
}

/** USD per million tokens; null when unknown (a known free model says 0). */
export interface ModelPricing {
  input: number | null
  output: number | null
  cacheRead: number | null
  cacheWrite: number | null
}

export const LIFECYCLE_STATUSES = ['active', 'beta', 'deprecated'] as const

export interface ModelLifecycle {
  status: (typeof LIFECYCLE_STATUSES)[number]
  /** When it took that status, when a source says. */
  date: string | null
}

/** Where each published fact came from, field by field. */
export interface ModelSources {
  limits: Record<keyof ModelLimits, FactSource>
  capabilities: Record<keyof ModelCapabilities, FactSource>
  modalities: Record<keyof ModelModalities, FactSource>
  pricing: Record<keyof ModelPricing, FactSource>
  knowledgeCutoff: FactSource
  releaseDate: FactSource
  lifecycle: FactSource
}

/** A value a lower-ranked source gave for a field that was published from a higher-ranked one. */
export interface FactConflict {
  /** The field's path, e.g. `limits.context`. */
  field: string
  value: unknown
  source: FactSource
}

/**
 * A model's facts with where each came from (see FACT_SOURCES for the precedence). The older flat
 * fields (`contextLength`, `canVision`, …) are filled from the same values.
 */
export interface ModelCatalogFacts {
  limits: ModelLimits
  capabilities: ModelCapabilities
  modalities: ModelModalities
  pricing: ModelPricing
  /** `YYYY-MM` or `YYYY-MM-DD`. */
  knowledgeCutoff: string | null
  releaseDate: string | null
  lifecycle: ModelLifecycle | null
  sources: ModelSources
  /** The catalog entry matched (`provider/model`) and the date of the catalog it comes from; null when none. */
  catalog: { id: string; date: string } | null
  /** Values that disagree with what is published: none when every source agrees. */
  conflicts: FactConflict[]
}

/** One model a backend serves, as readers see it (seed ModelPullStatus names). */
export interface ModelPullStatus extends ModelFacts, ModelCatalogFacts {
  /** Display name; for a declared vLLM/OpenAI match it is the declared model's id (seed). */
  name: string
  /** The provider-facing model id to invoke. */
  model: string
  /** When this backend first listed it. */
  firstSeenAt: string
  /** When the listing it comes from was read: its backend's last good listing. */
  observedAt: string
  /** True while its backend is failing or not asked and this comes from its last good listing. */
  stale: boolean
}

export interface BackendRuntimeState {
  id: string
  name: string
  /** Sorted, de-duplicated model ids of `pulledModels`. */
  models: string[]
  pulledModels: ModelPullStatus[]
  backend: BackendRecord
  status: BackendStatus
  /** Set when the backend is unusable; such backends contribute no providers. */
  error?: string
  errorKind?: ErrorKind
  /** Problems that left the backend usable, e.g. one model's details could not be read. */
  warnings?: string[]
  checkedAt: string
  /** Last time its model list was read successfully; null if never. */
  lastSuccessAt: string | null
  consecutiveFailures: number
  /** How long listing took; 0 when served from the model cache. */
  latencyMs: number
  /** Share of probes that ended healthy or degraded, over whole clock hours; null when none ran. */
  uptime: { '1h': number | null; '24h': number | null; '7d': number | null }
  /** Listing latency over the last 24 h, from probes that asked the backend (bucket upper bounds). */
  latency24h: { p50Ms: number | null; p95Ms: number | null }
  /** Set while it is not asked: it answered 429 or 503 with Retry-After (capped at an hour). */
  retryAfterUntil?: string
}

/** What the cycle publishes: every backend's state, ordered by name then id. */
export interface Snapshot {
  backends: BackendRuntimeState[]
}

/**
 * Names the published version and every stored value a read needs. Each backend's state is stored
 * as a template (its JSON without the values that move every cycle) in /state shards, and the
 * views (the backend index, the model lists, the /providers chunks, the status pages' fleet) hold
 * nothing that moves either: each lives under a key derived from its bytes and is written only when
 * its bytes change. What moves lives in one value per version, `moving`, which a read fills the
 * templates from (see SnapshotStore). Written after the values it names, so a reader that finds it
 * finds them, unless KV's edge cache still hides one, which a reader answers with 503 and Retry-After.
 */
export interface SnapshotMeta {
  schemaVersion: 2
  /** Hash of the templates (see snapshotContentHash): unchanged, only `moving` and the meta are rewritten. */
  contentHash: string
  /** Identifies exactly what readers get; the HTTP ETag's first half. */
  etag: string
  writtenAt: string
  backendCount: number
  shardCount: number
  /** The /state body in order: each shard's templates, its backends, its bytes and its /providers chunks. */
  shards: PublishedShard[]
  /**
   * This version's moving values, in one of two slots taken in turn (never the one the previous
   * version names, which readers one version behind still use); its header names `etag`, which a
   * read checks. Absent in a meta from before templates, which readers treat as awaiting the next cycle.
   */
  moving?: { key: string; bytes: number }
  /** The merged model list's hash and when it was first published: /v1/models' `created`. */
  modelList?: { hash: string; since: string }
  views: {
    /** Backend ids in snapshot order. */
    index: string
    /**
     * The merged /models list followed by the same models as /v1/models elements (one array view);
     * null when too large to store, and read by merging the shards instead.
     */
    models: string | null
    /** What the status pages render, without what moves; null when too large to store. */
    fleet: string | null
  }
  /**
   * Values earlier versions named and this one does not, with when each was retired: kept for
   * reads that began on an older version, and deleted by a later publish that writes values once
   * retired before its previous version and a minute ago (a heartbeat deletes nothing). A meta
   * from before retirement times lists keys only.
   */
  retired?: (string | RetiredValue)[]
  /** When stored values were last listed to find any an interrupted publish left behind. */
  sweptAt?: string
  /** Per backend type, its models and how many matched a catalog entry; absent in older versions. */
  catalogMatches?: CatalogMatchCount[]
}

/** A stored value a version stopped naming, and when: the `writtenAt` of that version. */
export interface RetiredValue {
  key: string
  since: string
}

export interface CatalogMatchCount {
  type: string
  models: number
  matched: number
}

export interface PublishedShard {
  /** Its backends' templates (an array view; see TemplateHeader). */
  key: string
  count: number
  bytes: number
  /** Its /providers chunks, each with what it may hold, so a read can skip it without fetching it. */
  chunks: { key: string; summary: ProviderChunkSummary }[]
}

/**
 * What a set of models may hold, by the facts a filter asks (see views/fact-filter-index.ts). A
 * field left out says nothing is known: a summary from before it existed reads the same.
 */
export interface FactSummary {
  /** The largest context length; 0: none known. */
  maxContext: number
  /** The largest output limit. */
  maxOutput?: number
  /** Every model's tools/vision/reasoning bits (known true, known false) OR-ed. */
  facts?: number
  /** The lowest known input and output prices (USD per million tokens). */
  minInputPrice?: number
  minOutputPrice?: number
  /** Every input modality any model takes. */
  modalities?: string[]
}

/** What a /providers chunk may hold. */
export interface ProviderChunkSummary extends FactSummary {
  types: string[]
  masks: number[]
  count: number
}
