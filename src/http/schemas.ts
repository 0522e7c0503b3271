import { z } from 'zod'
import { ERROR_KINDS } from '../errors/provider-error'
import {
  BACKEND_STATUSES,
  type BackendRecord,
  type BackendRuntimeState,
  type ModelPullStatus,
} from '../published/types'

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

const capabilityFlags = {
  canChat: z.boolean(),
  canEmbed: z.boolean(),
  canPrompt: z.boolean(),
  canStream: z.boolean(),
  canThink: z.boolean(),
  canVision: z.boolean(),
  tools: z.boolean().nullable(),
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
  })
  .meta({ id: 'BackendRuntimeState' })

/** True only when A and B are the same type: each optional, nullable and literal alike. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
type Assert<T extends true> = T
// The read routes serve the published types as they are: a schema that drifts from its type fails to compile.
type PublishedSchemasMatch = [
  Assert<Same<z.infer<typeof backendSchema>, BackendRecord>>,
  Assert<Same<z.infer<typeof modelPullStatusSchema>, ModelPullStatus>>,
  Assert<Same<z.infer<typeof backendStateSchema>, BackendRuntimeState>>,
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
  })
  .meta({ id: 'Provider' })

export const mergedModelSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    contextLength: z.number(),
    canChat: z.boolean(),
    canEmbed: z.boolean(),
    canPrompt: z.boolean(),
    canStream: z.boolean(),
  })
  .meta({ id: 'Model' })

export const openAIModelListSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(z.object({ id: z.string(), object: z.literal('model'), created: z.number(), owned_by: z.string() })),
  })
  .meta({ id: 'OpenAIModelList' })

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
