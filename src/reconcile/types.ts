import type { ErrorKind } from '../errors/provider-error'
import type { BackendRecord } from '../db/declared'

export type BackendStatus = 'healthy' | 'degraded' | 'down' | 'unconfigured' | 'unsupported'

/** One model a backend serves, as readers see it (seed ModelPullStatus names). */
export interface ModelPullStatus {
  /** Display name; for a declared vLLM/OpenAI match it is the declared model's id (seed). */
  name: string
  /** The provider-facing model id to invoke. */
  model: string
  contextLength: number
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
