import { Hono } from 'hono'
import { z } from 'zod'
import {
  backendCountsByType,
  configScope,
  deleteProviderConfig,
  getBackend,
  getProviderConfig,
  listProviderConfigs,
  upsertProviderConfig,
} from '../../db/admin'
import type { Database } from '../../db/client'
import type { providerConfigs } from '../../db/schema'
import type { Env } from '../../env'
import { BACKEND_TYPES, adapterFor, adapters, canonicalBackendType } from '../../providers'
import type { ProviderAdapter } from '../../providers/types'
import { encryptSecret } from '../../secrets'
import { CAPABILITIES, providersFromSnapshot } from '../../views/providers'
import { requireAdmin, requireRead } from '../auth'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'
import { snapshotResponse } from '../snapshot-read'
import { doc } from '../openapi'
import { providerEntrySchema, providerStatusSchema } from '../schemas'
import { validate } from '../validate'
import { logAdminChange } from '../log'

const supportedProviderSchema = z
  .object({
    provider: z.string(),
    defaultBaseUrl: z.string().optional(),
    requiresBaseUrl: z.boolean(),
    requiresSecretConfig: z.boolean(),
    recommendedApiKeyEnv: z.string().optional(),
    credentialFormat: z.enum(['api-key', 'service-account-json', 'aws-credentials-json']),
  })
  .meta({ id: 'SupportedProvider' })

type ProviderStatus = z.infer<typeof providerStatusSchema>
type ConfigRow = typeof providerConfigs.$inferSelect

function factsFor(type: string): { adapter?: ProviderAdapter; requiresSecret: boolean } {
  const adapter = adapterFor(type)?.adapter
  return { adapter, requiresSecret: adapter ? adapter.credential === 'required' : true }
}

/**
 * Where a scope's secret comes from, never the secret. `configured`: a credential is stored, or
 * the type needs none and has a backend to use (the scope's own backend, for a per-backend status).
 */
function providerStatus(
  env: Env,
  scope: { type: string; backendId: string | null },
  row: ConfigRow | undefined,
  backendsOfType: number,
): ProviderStatus {
  const { adapter, requiresSecret } = factsFor(scope.type)
  const secretSource = row?.apiKeyCiphertext ? 'literal' : row?.apiKeyEnv ? 'env' : 'none'
  const envValue = row?.apiKeyEnv ? env[row.apiKeyEnv] : undefined
  const secretConfigured = secretSource !== 'none'
  const hasBackend = scope.backendId !== null || backendsOfType > 0
  return {
    provider: scope.type,
    ...(scope.backendId ? { backendId: scope.backendId } : {}),
    configured: secretConfigured || (!requiresSecret && hasBackend),
    secretSource,
    secretConfigured,
    secretPresent: secretSource === 'literal' || (typeof envValue === 'string' && envValue.length > 0),
    ...(secretSource === 'env' ? { apiKeyEnv: row!.apiKeyEnv! } : {}),
    ...(adapter ? { recommendedApiKeyEnv: adapter.recommendedApiKeyEnv } : {}),
    backends: backendsOfType,
    ...(row ? { updatedAt: row.updatedAt.toISOString() } : {}),
  }
}

async function statusOf(db: Database, env: Env, type: string, backendId: string | null): Promise<ProviderStatus> {
  const [row, counts] = await Promise.all([
    getProviderConfig(db, configScope(type, backendId)),
    backendCountsByType(db, type),
  ])
  return providerStatus(env, { type, backendId }, row, counts.get(type) ?? 0)
}

/** A per-backend scope names an existing backend of that type. */
async function checkBackendScope(db: Database, type: string, backendId: string): Promise<void> {
  const backend = await getBackend(db, backendId)
  if (!backend) throw new ApiError(404, 'backend_not_found', `no backend ${backendId}`, 'backendId')
  if (backend.type !== type) {
    throw new ApiError(
      422,
      'invalid_field',
      `backendId: backend ${backendId} is of type ${backend.type}, not ${type}`,
      'backendId',
    )
  }
}

const configureInput = z
  .object({
    apiKey: z.string().trim().min(1, 'apiKey must not be empty').optional(),
    apiKeyEnv: z
      .string()
      .trim()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'apiKeyEnv must be the name of a Worker secret or var')
      .max(255, 'apiKeyEnv must be at most 255 characters')
      .optional(),
    /** Applies the credential to this one backend of the type instead of to all of them. */
    backendId: z.string().trim().min(1).optional(),
    upsert: z.boolean().optional().default(false),
  })
  .refine((v) => !(v.apiKey && v.apiKeyEnv), { message: 'provide apiKey or apiKeyEnv, not both', path: ['apiKey'] })
  .refine((v) => v.apiKey || v.apiKeyEnv, { message: 'apiKey or apiKeyEnv is required', path: ['apiKey'] })

const typeParam = z.object({
  type: z
    .string()
    .transform(canonicalBackendType)
    .pipe(z.enum(BACKEND_TYPES as [string, ...string[]], { error: `type must be one of ${BACKEND_TYPES.join(', ')}` })),
})

/** `?backendId=`: one backend's own config instead of the type-wide one. */
const scopeQuery = z.object({ backendId: z.string().trim().min(1, 'backendId must not be empty').optional() })

const asList = (value: string | string[] | undefined) => (value === undefined ? [] : [value].flat())

const providerQuery = z.object({
  type: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform(asList),
  capability: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform(asList)
    .pipe(z.array(z.enum(CAPABILITIES, { error: `capability must be one of ${CAPABILITIES.join(', ')}` }))),
  minContext: z.coerce
    .number({ error: 'minContext must be a number' })
    .int('minContext must be an integer')
    .min(0)
    .optional(),
})

export const providerRoutes = new Hono<AppEnv>()
  .get(
    '/',
    doc({
      tag: 'providers',
      summary: 'One entry per (usable backend, model), filtered by type, capabilities and minimum context',
      access: 'read',
      ok: {
        200: { description: 'the providers', schema: z.array(providerEntrySchema) },
        304: { description: 'unchanged since the ETag sent in If-None-Match' },
      },
      errors: { 422: 'a bad filter' },
    }),
    requireRead,
    validate('query', providerQuery),
    (c) => {
      const query = c.req.valid('query')
      return snapshotResponse(c, (snapshot) =>
        providersFromSnapshot(snapshot.backends, {
          types: query.type,
          capabilities: query.capability,
          minContext: query.minContext,
        }),
      )
    },
  )
  // The two fixed paths come before the `/:type/…` patterns.
  .get(
    '/configs',
    doc({
      tag: 'providers',
      summary: 'The status of every stored provider config, type-wide and per backend (never a secret)',
      access: 'admin',
      ok: {
        200: {
          description: 'one status per stored config, by type then backend',
          schema: z.array(providerStatusSchema),
        },
      },
    }),
    requireAdmin,
    async (c) => {
      const db = c.get('db')()
      const [rows, counts] = await Promise.all([listProviderConfigs(db), backendCountsByType(db)])
      return c.json(rows.map((row) => providerStatus(c.env, row, row, counts.get(row.type) ?? 0)))
    },
  )
  .get(
    '/supported',
    doc({
      tag: 'providers',
      summary: 'Every backend type this service can observe, with its default base URL and the credential it takes',
      access: 'admin',
      ok: { 200: { description: 'the types, sorted', schema: z.array(supportedProviderSchema) } },
    }),
    requireAdmin,
    (c) =>
      c.json(
        [...BACKEND_TYPES].sort().map((type) => {
          const adapter = adapters[type]
          return {
            provider: type,
            ...(adapter.defaultBaseUrl ? { defaultBaseUrl: adapter.defaultBaseUrl } : {}),
            requiresBaseUrl: adapter.defaultBaseUrl === undefined,
            requiresSecretConfig: adapter.credential === 'required',
            recommendedApiKeyEnv: adapter.recommendedApiKeyEnv,
            credentialFormat: adapter.credentialFormat,
          }
        }),
      ),
  )
  .get(
    '/:type/status',
    doc({
      tag: 'providers',
      summary: "Where a type's credential comes from (or one backend's own, with backendId); never the secret",
      access: 'admin',
      ok: {
        200: {
          description: 'the status; configured:false and secretSource:none when nothing is stored',
          schema: providerStatusSchema,
        },
      },
      errors: { 404: 'no such backend', 422: 'unknown type, or the backend is of another type' },
    }),
    requireAdmin,
    validate('param', typeParam),
    validate('query', scopeQuery),
    async (c) => {
      const { type } = c.req.valid('param')
      const backendId = c.req.valid('query').backendId ?? null
      const db = c.get('db')()
      if (backendId) await checkBackendScope(db, type, backendId)
      return c.json(await statusOf(db, c.env, type, backendId))
    },
  )
  .delete(
    '/:type/config',
    doc({
      tag: 'providers',
      summary: "Delete a type's stored credential (or one backend's own, with backendId); backends stay",
      access: 'admin',
      ok: { 200: { description: 'deleted; answers the scope', schema: z.object({ deleted: z.string() }) } },
      errors: { 404: 'no config stored for that scope', 422: 'unknown type' },
    }),
    requireAdmin,
    validate('param', typeParam),
    validate('query', scopeQuery),
    async (c) => {
      const { type } = c.req.valid('param')
      const backendId = c.req.valid('query').backendId ?? null
      const scope = configScope(type, backendId)
      if (!(await deleteProviderConfig(c.get('db')(), scope))) {
        const what = backendId ? `backend ${backendId} (${type})` : `provider ${type}`
        throw new ApiError(
          404,
          'provider_config_not_found',
          `no config stored for ${what}`,
          backendId ? 'backendId' : 'type',
        )
      }
      logAdminChange('provider.config.delete', { type, backendId })
      return c.json({ deleted: scope })
    },
  )
  .post(
    '/:type/configure',
    doc({
      tag: 'providers',
      summary: 'Store the credential for every backend of a type, or for one backend (backendId)',
      access: 'admin',
      ok: { 200: { description: 'where the secret now comes from (never the secret)', schema: providerStatusSchema } },
      errors: {
        404: 'no such backend',
        409: 'already configured and upsert is not set',
        422: 'bad input, or a literal key while SECRETS_KEY is unset; nothing written',
      },
    }),
    requireAdmin,
    validate('param', typeParam),
    validate('json', configureInput),
    async (c) => {
      const { type } = c.req.valid('param')
      const input = c.req.valid('json')
      const db = c.get('db')()
      const backendId = input.backendId ?? null
      if (backendId) await checkBackendScope(db, type, backendId)
      const scope = configScope(type, backendId)
      if (!input.upsert && (await getProviderConfig(db, scope))) {
        const what = backendId ? `backend ${backendId}` : `provider ${type}`
        throw new ApiError(
          409,
          'provider_configured',
          `${what} is already configured; set upsert=true to update`,
          'upsert',
        )
      }
      let apiKeyCiphertext: string | null = null
      if (input.apiKey) {
        if (!c.env.SECRETS_KEY) {
          throw new ApiError(
            422,
            'secrets_key_missing',
            'literal keys are stored encrypted and SECRETS_KEY is not set: set it, or pass apiKeyEnv instead',
            'apiKey',
          )
        }
        apiKeyCiphertext = await encryptSecret(input.apiKey, c.env.SECRETS_KEY)
      }
      const row = await upsertProviderConfig(db, {
        type,
        backendId,
        apiKeyCiphertext,
        apiKeyEnv: input.apiKeyEnv ?? null,
      })
      const source = input.apiKey ? 'literal' : 'env'
      logAdminChange('provider.configure', { type, backendId, source })
      const counts = await backendCountsByType(db, type)
      return c.json(providerStatus(c.env, { type, backendId }, row, counts.get(type) ?? 0))
    },
  )
