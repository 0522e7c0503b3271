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
import { type Env, RESERVED_ENV_NAMES, envEntry } from '../../env'
import { BACKEND_TYPES, adapterFor, adapters, canonicalBackendType } from '../../providers'
import type { ProviderAdapter } from '../../providers/types'
import { boundHosts } from '../../reconcile/credentials'
import { MAX_BOUND_HOSTS, MAX_HOST_PATTERN_LENGTH, bindingAllows, hostOf, hostPatternProblem } from '../../hosts'
import { encryptSecret } from '../../secrets'
import { requireAdmin } from '../auth'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'
import { MAX_API_KEY_CHARS, MAX_ID_CHARS, body, flag, text } from '../input'
import { doc } from '../openapi'
import { providerStatusSchema } from '../schemas'
import { validate } from '../validate'
import { logAdminChange } from '../log'
import { MAX_TYPE_CHARS } from './providers'

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
 * `hosts`: where a stored credential may be sent (`backendBaseUrl`: the scope's backend, if any).
 */
function providerStatus(
  env: Env,
  scope: { type: string; backendId: string | null; backendBaseUrl?: string | null },
  row: ConfigRow | undefined,
  backendsOfType: number,
): ProviderStatus {
  const { adapter, requiresSecret } = factsFor(scope.type)
  const secretSource = row?.apiKeyCiphertext ? 'literal' : row?.apiKeyEnv ? 'env' : 'none'
  const envValue = row?.apiKeyEnv ? envEntry(env, row.apiKeyEnv) : undefined
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
    ...(row
      ? {
          hosts: [
            ...boundHosts(row, {
              baseUrl: scope.backendBaseUrl ?? '',
              officialHosts: adapter?.officialHosts ?? [],
            }),
          ].filter(Boolean),
        }
      : {}),
    ...(adapter ? { recommendedApiKeyEnv: adapter.recommendedApiKeyEnv } : {}),
    backends: backendsOfType,
    ...(row ? { updatedAt: row.updatedAt.toISOString() } : {}),
  }
}

async function statusOf(
  db: Database,
  env: Env,
  scope: { type: string; backendId: string | null; backendBaseUrl?: string },
): Promise<ProviderStatus> {
  const [row, counts] = await Promise.all([
    getProviderConfig(db, configScope(scope.type, scope.backendId)),
    backendCountsByType(db, scope.type),
  ])
  return providerStatus(env, scope, row, counts.get(scope.type) ?? 0)
}

/** A per-backend scope names an existing backend of that type; answers that backend. */
async function checkBackendScope(db: Database, type: string, backendId: string) {
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
  return backend
}

/** The service's own settings, as a 422 lists them. */
const RESERVED_LIST = [...RESERVED_ENV_NAMES].sort().join(', ')

/** One host a credential may be sent to: `host`, `host:port`, optionally `*.` before a domain. */
const hostEntry = text('hosts entry', { max: MAX_HOST_PATTERN_LENGTH })
  .toLowerCase()
  .superRefine((host, ctx) => {
    const problem = hostPatternProblem(host)
    if (problem) ctx.addIssue({ code: 'custom', message: `hosts entry "${host}" ${problem}` })
  })

const configureInput = body({
  apiKey: text('apiKey', { max: MAX_API_KEY_CHARS, messages: { empty: 'apiKey must not be empty' } }).optional(),
  apiKeyEnv: text('apiKeyEnv', { max: 255 })
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'apiKeyEnv must be the name of a Worker secret or var')
    // Checked here as well as when a probe resolves it: an admin must not be able to have
    // DATABASE_URL or SECRETS_KEY sent to a backend of their choosing.
    .superRefine((name, ctx) => {
      if (RESERVED_ENV_NAMES.has(name.toUpperCase())) {
        ctx.addIssue({
          code: 'custom',
          message: `apiKeyEnv names ${name}, one of this service's own settings (${RESERVED_LIST}): name the secret that holds the provider credential`,
        })
      }
    })
    .optional(),
  /** Applies the credential to this one backend of the type instead of to all of them. */
  backendId: text('backendId', { max: MAX_ID_CHARS }).optional(),
  /** Where the credential may be sent; defaults to the type's official hosts, or the backend's own host. */
  hosts: z
    .array(hostEntry, { error: 'hosts must be a list of host names' })
    .min(1, 'hosts must list at least one host')
    .max(MAX_BOUND_HOSTS, `hosts must list at most ${MAX_BOUND_HOSTS} hosts`)
    .optional(),
  upsert: flag('upsert').optional().default(false),
})
  .refine((v) => !(v.apiKey && v.apiKeyEnv), { error: 'provide apiKey or apiKeyEnv, not both', path: ['apiKey'] })
  .refine((v) => v.apiKey || v.apiKeyEnv, { error: 'apiKey or apiKeyEnv is required', path: ['apiKey'] })

/**
 * The hosts a configure stores: the ones given, else the backend's own for a per-backend
 * credential, else none (null: the type's official hosts). A type without official hosts
 * (self-hosted Ollama, vLLM) has nowhere a type-wide credential could safely go by default.
 */
function hostsToStore(
  type: string,
  given: string[] | undefined,
  backend: { id: string; baseUrl: string } | undefined,
): string[] | null {
  const hosts = given ? [...new Set(given)] : undefined
  if (backend) {
    const own = hostOf(backend.baseUrl)
    if (hosts && !bindingAllows(hosts, backend.baseUrl)) {
      throw new ApiError(
        422,
        'invalid_field',
        `hosts: backend ${backend.id} is on ${own}, which hosts does not list: its own credential could never be sent to it`,
        'hosts',
      )
    }
    return hosts ?? [own]
  }
  if (!hosts && adapters[type as keyof typeof adapters].officialHosts.length === 0) {
    throw new ApiError(
      422,
      'invalid_field',
      `hosts: a type-wide ${type} credential needs hosts, the host(s) it may be sent to (e.g. ["gpu-1.internal:8000"]), since ${type} has no official API host; or configure it for one backend with backendId`,
      'hosts',
    )
  }
  return hosts ?? null
}

const typeParam = z.object({
  type: text('type', { max: MAX_TYPE_CHARS })
    .transform(canonicalBackendType)
    .pipe(z.enum(BACKEND_TYPES as [string, ...string[]], { error: `type must be one of ${BACKEND_TYPES.join(', ')}` })),
})

/** `?backendId=`: one backend's own config instead of the type-wide one. */
const scopeQuery = z.object({
  backendId: text('backendId', { max: MAX_ID_CHARS, messages: { empty: 'backendId must not be empty' } }).optional(),
})

/**
 * The provider credentials (admin): which types exist and what credential each takes, and where
 * each type's or backend's credential comes from, stored, replaced and deleted. Mounted at
 * /providers beside GET /providers (providers.ts). The two fixed paths come before the
 * `/:type/…` patterns.
 */
export const providerCredentialRoutes = new Hono<AppEnv>()
  .get(
    '/configs',
    doc({
      tag: 'providers',
      summary: 'The status of every stored provider config',
      description: 'Type-wide and per backend configs alike; never a secret.',
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
      summary: 'Every backend type this service can observe',
      description: 'With its default base URL and the credential it takes.',
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
      summary: "Where a type's credential comes from",
      description: "With backendId, that backend's own credential. Never the secret.",
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
      const backend = backendId ? await checkBackendScope(db, type, backendId) : undefined
      return c.json(await statusOf(db, c.env, { type, backendId, backendBaseUrl: backend?.baseUrl }))
    },
  )
  .delete(
    '/:type/config',
    doc({
      tag: 'providers',
      summary: "Delete a type's stored credential",
      description: "With backendId, that backend's own credential. The backends stay.",
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
      summary: 'Store the credential for a backend type',
      description: 'For every backend of the type, or with backendId for that backend alone.',
      access: 'admin',
      json: true,
      ok: { 200: { description: 'where the secret now comes from (never the secret)', schema: providerStatusSchema } },
      errors: {
        404: 'no such backend',
        409: 'already configured and upsert is not set',
        422: 'bad input (a reserved apiKeyEnv, a type-wide self-hosted credential without hosts, …), or a literal key while SECRETS_KEY is unset; nothing written',
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
      const backend = backendId ? await checkBackendScope(db, type, backendId) : undefined
      const hosts = hostsToStore(type, input.hosts, backend)
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
      const row = await upsertProviderConfig(
        db,
        { type, backendId, apiKeyCiphertext, apiKeyEnv: input.apiKeyEnv ?? null, hosts },
        { replace: input.upsert },
      )
      if (!row) {
        const what = backendId ? `backend ${backendId}` : `provider ${type}`
        throw new ApiError(
          409,
          'provider_configured',
          `${what} is already configured; set upsert=true to update`,
          'upsert',
        )
      }
      const source = input.apiKey ? 'literal' : 'env'
      logAdminChange('provider.configure', { type, backendId, source, hosts: row.hosts })
      const counts = await backendCountsByType(db, type)
      return c.json(
        providerStatus(c.env, { type, backendId, backendBaseUrl: backend?.baseUrl }, row, counts.get(type) ?? 0),
      )
    },
  )
