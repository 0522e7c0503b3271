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

/** One model a backend serves, as readers see it (seed ModelPullStatus names). */
export interface ModelPullStatus extends ModelFacts {
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
   * Values earlier versions named and this one does not: kept for readers one version behind, and
   * deleted by the next publish that writes values (a heartbeat deletes nothing).
   */
  retired?: string[]
  /** When stored values were last listed to find any an interrupted publish left behind. */
  sweptAt?: string
}

export interface PublishedShard {
  /** Its backends' templates (an array view; see TemplateHeader). */
  key: string
  count: number
  bytes: number
  /** Its /providers chunks, each with what it may hold, so a read can skip it without fetching it. */
  chunks: { key: string; summary: ProviderChunkSummary }[]
}

/** What a /providers chunk may hold. */
export interface ProviderChunkSummary {
  types: string[]
  masks: number[]
  maxContext: number
  count: number
}
