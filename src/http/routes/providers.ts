import { Hono } from 'hono'
import { z } from 'zod'
import { configScope, getBackend, getProviderConfig, upsertProviderConfig } from '../../db/admin'
import { BACKEND_TYPES, canonicalBackendType } from '../../providers'
import { encryptSecret } from '../../secrets'
import { CAPABILITIES, providersFromSnapshot } from '../../views/providers'
import { requireAdmin, requireRead } from '../auth'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'
import { snapshotResponse } from '../snapshot-read'
import { doc } from '../openapi'
import { providerEntrySchema, providerStatusSchema } from '../schemas'
import { validate } from '../validate'

const configureInput = z
  .object({
    apiKey: z.string().trim().min(1, 'apiKey must not be empty').optional(),
    apiKeyEnv: z
      .string()
      .trim()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'apiKeyEnv must be the name of a Worker secret or var')
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

const asList = (value: string | string[] | undefined) => (value === undefined ? [] : [value].flat())

const providerQuery = z.object({
  type: z.union([z.string(), z.array(z.string())]).optional().transform(asList),
  capability: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform(asList)
    .pipe(z.array(z.enum(CAPABILITIES, { error: `capability must be one of ${CAPABILITIES.join(', ')}` }))),
  minContext: z.coerce.number({ error: 'minContext must be a number' }).int('minContext must be an integer').min(0).optional(),
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
  })
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
    if (backendId) {
      const backend = await getBackend(db, backendId)
      if (!backend) throw new ApiError(404, 'backend_not_found', `no backend ${backendId}`, 'backendId')
      if (backend.type !== type) {
        throw new ApiError(422, 'invalid_field', `backendId: backend ${backendId} is of type ${backend.type}, not ${type}`, 'backendId')
      }
    }
    const scope = configScope(type, backendId)
    if (!input.upsert && (await getProviderConfig(db, scope))) {
      const what = backendId ? `backend ${backendId}` : `provider ${type}`
      throw new ApiError(409, 'provider_configured', `${what} is already configured; set upsert=true to update`, 'upsert')
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
    const row = await upsertProviderConfig(db, { type, backendId, apiKeyCiphertext, apiKeyEnv: input.apiKeyEnv ?? null })
    const source = input.apiKey ? 'literal' : 'env'
    console.log(JSON.stringify({ msg: 'admin change', action: 'provider.configure', type, backendId, source }))
    const envValue = input.apiKeyEnv ? c.env[input.apiKeyEnv] : undefined
    return c.json({
      provider: type,
      ...(backendId ? { backendId } : {}),
      configured: true,
      secretSource: input.apiKey ? 'literal' : 'env',
      secretConfigured: true,
      secretPresent: input.apiKey ? true : typeof envValue === 'string' && envValue.length > 0,
      ...(input.apiKeyEnv ? { apiKeyEnv: input.apiKeyEnv } : {}),
      updatedAt: row.updatedAt.toISOString(),
    })
  },
)
