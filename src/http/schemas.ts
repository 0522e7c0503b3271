import { z } from 'zod'
import { catalogRefreshSchema } from './catalog-schemas'
import type { DeclaredModel } from '../db/declared'
import { modelCatalogFactsShape, publishedFactsShape } from './fact-schemas'
import { FLEET_EVENT_KINDS } from '../published/events'
import { ERROR_KINDS } from '../errors/provider-error'
import {
  BACKEND_STATUSES,
  type BackendRecord,
  type BackendRuntimeState,
  type ModelPullStatus,
} from '../published/types'
import type { MergedModel } from '../views/models'
import type { OpenAIModel } from '../views/openai-models'
import type { ProviderEntry } from '../views/providers'

/** Response shapes, for /openapi.json and the typed client. Requests are validated where they are used. */

export const errorBodySchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      code: z.string(),
      param: z.string().optional(),
    }),
  })
  .meta({ id: 'Error' })

export const backendSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    baseUrl: z.string(),
    type: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Backend' })

/** A model by id, as declared and as merged across backends: its name, context length and four flags. */
const modelShape = {
  id: z.string(),
  model: z.string(),
  contextLength: z.number(),
  canChat: z.boolean(),
  canEmbed: z.boolean(),
  canPrompt: z.boolean(),
  canStream: z.boolean(),
}

export const declaredModelSchema = z
  .object({
    ...modelShape,
    catalogId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'DeclaredModel' })

const capabilityFlags = {
  canChat: z.boolean(),
  canEmbed: z.boolean(),
  canPrompt: z.boolean(),
  canStream: z.boolean(),
  canThink: z.boolean(),
  canVision: z.boolean(),
  tools: z.boolean().nullable(),
}

const modelFreshness = {
  firstSeenAt: z.string().describe('when this backend first listed the model'),
  observedAt: z.string().describe("when the listing it comes from was read (its backend's last good listing)"),
  stale: z.boolean().describe('true while its backend is failing or not asked: this is its last good listing'),
}

export const modelPullStatusSchema = z
  .object({
    name: z.string(),
    model: z.string(),
    contextLength: z.number(),
    maxOutputTokens: z.number(),
    ...capabilityFlags,
    modifiedAt: z.string().optional(),
    size: z.number().optional(),
    digest: z.string().optional(),
    ...modelFreshness,
    ...modelCatalogFactsShape,
  })
  .meta({ id: 'ModelPullStatus' })

export const backendStateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    models: z.array(z.string()),
    pulledModels: z.array(modelPullStatusSchema),
    backend: backendSchema,
    status: z.enum(BACKEND_STATUSES),
    error: z.string().optional(),
    errorKind: z.enum(ERROR_KINDS).optional(),
    warnings: z.array(z.string()).optional(),
    checkedAt: z.string(),
    lastSuccessAt: z.string().nullable(),
    consecutiveFailures: z.number(),
    latencyMs: z.number(),
    uptime: z
      .object({ '1h': z.number().nullable(), '24h': z.number().nullable(), '7d': z.number().nullable() })
      .describe('share of probes that ended healthy or degraded, over whole clock hours; null when none ran'),
    latency24h: z
      .object({ p50Ms: z.number().nullable(), p95Ms: z.number().nullable() })
      .describe('listing latency over the last 24 h, upper bounds of histogram buckets'),
    retryAfterUntil: z.string().optional().describe('not asked before this: it answered 429 or 503 with Retry-After'),
  })
  .meta({ id: 'BackendRuntimeState' })

/** True only when A and B are the same type: each optional, nullable and literal alike. */
// Each T is the comparison's deferred parameter, used once on purpose.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
type Assert<T extends true> = T
// The routes serve the published (and declared) types as they are: a schema that drifts from its type fails to compile.
type _PublishedSchemasMatch = [
  Assert<Same<z.infer<typeof backendSchema>, BackendRecord>>,
  Assert<Same<z.infer<typeof modelPullStatusSchema>, ModelPullStatus>>,
  Assert<Same<z.infer<typeof backendStateSchema>, BackendRuntimeState>>,
  Assert<Same<z.infer<typeof declaredModelSchema>, DeclaredModel>>,
]

export const providerEntrySchema = z
  .object({
    backendId: z.string(),
    backendName: z.string(),
    type: z.string(),
    baseUrl: z.string(),
    model: z.string(),
    name: z.string(),
    contextLength: z.number(),
    maxOutputTokens: z.number(),
    ...capabilityFlags,
    ...modelFreshness,
    ...modelCatalogFactsShape,
  })
  .meta({ id: 'Provider' })

export const mergedModelSchema = z
  .object({
    ...modelShape,
    ...publishedFactsShape,
  })
  .describe(
    "merged across backends: each limit the largest known, a capability true when any backend says so (false when some say false and none true, null when none says), modalities united, each price the lowest known (not necessarily one backend's)",
  )
  .meta({ id: 'Model' })

const perToken = (what: string) => z.string().describe(`USD per ${what} token, a decimal string such as "0.000003"`)

export const openAIModelSchema = z
  .object({
    id: z.string(),
    object: z.literal('model'),
    created: z.number(),
    owned_by: z.string(),
    context_length: z.number().optional().describe('the largest context length any backend knows; absent when none'),
    pricing: z
      .object({
        prompt: perToken('prompt'),
        completion: perToken('completion'),
        input_cache_read: perToken('cached prompt').optional(),
        input_cache_write: perToken('prompt written to the cache').optional(),
      })
      .optional()
      .describe(
        'as OpenRouter quotes it: the prices of the backend with the lowest known input price among those that know input and output prices; absent when none does',
      ),
  })
  .meta({ id: 'OpenAIModel' })

export const openAIModelListSchema = z
  .object({ object: z.literal('list'), data: z.array(openAIModelSchema) })
  .meta({ id: 'OpenAIModelList' })

// The same for the views the read routes render (an intersection type flattened to compare).
type Flat<T> = { [K in keyof T]: T[K] }
type _ViewSchemasMatch = [
  Assert<Same<z.infer<typeof providerEntrySchema>, Flat<ProviderEntry>>>,
  Assert<Same<z.infer<typeof mergedModelSchema>, MergedModel>>,
  Assert<Same<z.infer<typeof openAIModelSchema>, OpenAIModel>>,
]

export const runSummarySchema = z
  .object({
    runId: z.string(),
    outcome: z.enum(['ok', 'failed', 'skipped']),
    error: z.string().optional(),
    trigger: z.string(),
    startedAt: z.string(),
    durationMs: z.number(),
    backends: z.number(),
    byStatus: z.record(z.string(), z.number()),
    cacheHits: z.number(),
    kvWrites: z.number(),
    snapshotWritten: z.boolean(),
    events: z.number().optional().describe('change-feed events the cycle recorded'),
    publish: z
      .object({
        kvWrites: z.number().describe('KV puts and deletes of the publish step (part of kvWrites)'),
        ms: z.number().describe('time spent rendering and writing the snapshot and its views'),
      })
      .optional(),
    warnings: z.array(z.string()).optional(),
  })
  .meta({ id: 'RunSummary' })

export const providerStatusSchema = z
  .object({
    provider: z.string(),
    backendId: z.string().optional(),
    configured: z.boolean(),
    secretSource: z.enum(['none', 'literal', 'env']),
    secretConfigured: z.boolean(),
    secretPresent: z.boolean(),
    apiKeyEnv: z.string().optional(),
    /**
     * Where the stored credential may be sent (`host`, `host:port`, `*.domain`); present when a
     * credential is stored. Any other host gets no credential, and its backend shows unconfigured.
     */
    hosts: z.array(z.string()).optional(),
    recommendedApiKeyEnv: z.string().optional(),
    /** How many backends of this type are declared. */
    backends: z.number(),
    updatedAt: z.string().optional(),
  })
  .meta({ id: 'ProviderStatus' })

export const runSchema = z
  .object({
    id: z.string(),
    trigger: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    outcome: z.enum(['running', 'ok', 'failed', 'abandoned']),
    error: z.string().nullable(),
    backendsTotal: z.number(),
    backendsHealthy: z.number(),
    backendsFailed: z.number(),
    snapshotWritten: z.boolean(),
    /** Backends not checked: past the cycle's time or an invocation's budgets, or a shard that never came in. */
    deferred: z.number(),
    /** The most any one of the run's invocations used, against SUBREQUEST_BUDGET and KV_OPS_BUDGET. */
    maxPerInvocation: z.object({ subrequests: z.number(), kvOps: z.number() }),
    /** A run fanned out on Queues: the backends its shards carry and the deadline it publishes by. */
    fanOut: z.object({ planned: z.number(), deadline: z.string() }).nullable(),
    /** What the run's catalog refresh did; null when it did not look (the catalog is off, or an older run). */
    catalog: catalogRefreshSchema.nullable(),
    /** False for the run the database could not take, kept in KV instead. */
    recorded: z.boolean(),
  })
  .meta({ id: 'Run' })

export const runListSchema = z
  .object({
    runs: z.array(runSchema),
    /** Unreachable: `runs` holds only the run kept in KV, if any. */
    database: z.object({
      reachable: z.boolean(),
      reason: z.enum(['at_capacity', 'unreachable', 'shutting_down', 'timeout']).optional(),
    }),
  })
  .meta({ id: 'RunList' })

export const fleetEventSchema = z
  .object({
    seq: z.number(),
    at: z.string(),
    backendId: z.string(),
    backendName: z.string(),
    kind: z.enum(FLEET_EVENT_KINDS),
  })
  .catchall(z.unknown())
  .describe(
    'backend.added {status, models: its first model ids}; backend.removed; status.changed {from, to, errorKind?}; model.added {model, contextLength, capabilities}; model.removed {model}; model.changed {model, contextLength?: {from, to}, capabilities?: {from, to}}',
  )
  .meta({ id: 'FleetEvent' })

export const eventListSchema = z
  .object({ events: z.array(fleetEventSchema), next: z.number().describe('poll again with after=next') })
  .meta({ id: 'EventList' })

export const rollupSchema = z
  .object({
    hour: z.string(),
    probes: z.number(),
    good: z.number(),
    uptime: z.number().nullable(),
    latencyP50Ms: z.number().nullable(),
    latencyP95Ms: z.number().nullable(),
  })
  .meta({ id: 'HourlyRollup' })
