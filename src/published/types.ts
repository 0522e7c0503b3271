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

/** Every BackendStatus; the response schemas list them. */
export const BACKEND_STATUSES = ['healthy', 'degraded', 'down', 'unconfigured', 'unsupported'] as const

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
}

/** What the cycle publishes: every backend's state, ordered by name then id. */
export interface Snapshot {
  backends: BackendRuntimeState[]
}

/**
 * Names the published version. Written after the shards it names, so a reader that finds it finds
 * them — unless KV's edge cache still hides them, which a reader detects (see SnapshotStore.read).
 * Shards are keyed by `etag`; the previous version's shards are kept so a reader holding a meta up
 * to one version old still finds its own.
 */
export interface SnapshotMeta {
  schemaVersion: 1
  /** Hash of the content, without the fields every cycle rewrites (see snapshotContentHash). */
  contentHash: string
  /** Identifies exactly what readers get; the HTTP ETag, and the version the shard keys name. */
  etag: string
  writtenAt: string
  shardCount: number
  backendCount: number
}
