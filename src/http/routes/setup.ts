import { Hono } from 'hono'
import { z } from 'zod'
import { BootstrapError, bootstrap } from '../../db/bootstrap'
import { runBackendCycle } from '../../reconcile/cycle'
import { requireAdmin } from '../auth'
import type { AppEnv } from '../context'
import { ApiError, errorBody } from '../errors'
import { doc } from '../openapi'
import { declaredModelSchema, runSummarySchema } from '../schemas'
import { MAX_ID_CHARS, body, contextLength, flag, text } from '../input'
import { validate } from '../validate'
import { logAdminChange } from '../log'

const bootstrapResultSchema = z.object({
  tenantId: z.string(),
  groups: z.array(
    z.object({ id: z.string(), name: z.string(), purposeType: z.string(), modelIds: z.array(z.string()) }),
  ),
  models: z.array(declaredModelSchema.omit({ createdAt: true, updatedAt: true })),
})

/** The `declared_models.model` column is varchar(512). */
const MAX_MODEL_NAME = 512

/** More extra models than any tenant declares at once; each is a row written in one request. */
const MAX_EXTRA_MODELS = 100

const modelName = (role: string) =>
  text(`${role}Model`, {
    max: MAX_MODEL_NAME,
    messages: {
      empty: `init ${role} model: model name cannot be empty`,
      tooLong: `init ${role} model: model name must be at most ${MAX_MODEL_NAME} characters`,
    },
  }).optional()

const bootstrapInput = body({
  tenantId: text('tenantId', { max: MAX_ID_CHARS, min: 0 }).optional(),
  embedModel: modelName('embed'),
  taskModel: modelName('task'),
  chatModel: modelName('chat'),
  contextLength,
  extraModels: z
    .array(
      body(
        {
          name: text('name', {
            max: MAX_MODEL_NAME,
            messages: {
              missing: 'extra_models entry has empty name',
              empty: 'extra_models entry has empty name',
              tooLong: `extra_models entry name must be at most ${MAX_MODEL_NAME} characters`,
            },
          }),
          contextLength,
          canChat: flag('canChat').optional().default(false),
          canPrompt: flag('canPrompt').optional().default(false),
          canEmbed: flag('canEmbed').optional().default(false),
        },
        'extraModels entry',
      ),
      { error: 'extraModels must be a list' },
    )
    .max(MAX_EXTRA_MODELS, `extraModels must list at most ${MAX_EXTRA_MODELS} models`)
    .optional()
    .default([]),
}).refine((v) => v.embedModel || v.taskModel || v.chatModel || v.extraModels.length > 0, {
  error: 'nothing to bootstrap: give embedModel, taskModel, chatModel or extraModels',
  path: ['embedModel'],
})

export const setupRoutes = new Hono<AppEnv>()
  .use(requireAdmin)
  .post(
    '/refresh',
    doc({
      tag: 'setup',
      summary: 'Run one reconcile cycle now and return its summary',
      access: 'admin',
      ok: { 200: { description: 'the cycle ran', schema: runSummarySchema } },
      errors: { 409: 'another cycle holds the lease', 503: 'the database is unavailable; the snapshot is unchanged' },
    }),
    async (c) => {
      const run = await runBackendCycle({
        env: c.env,
        settings: c.get('settings'),
        kv: c.env.KV,
        db: c.get('db'),
        fetch: (input, init) => fetch(input, init),
        now: () => new Date(),
        trigger: 'manual',
      })
      if (run.outcome === 'skipped') {
        return c.json(
          { ...errorBody(409, 'cycle_running', 'another reconcile cycle is running; try again shortly'), run },
          409,
        )
      }
      if (run.outcome === 'failed') {
        // Every failure of a whole cycle is the database's or KV's, and passes: try again shortly.
        c.header('Retry-After', '30')
        return c.json({ ...errorBody(503, 'cycle_failed', run.error ?? 'reconcile cycle failed'), run }, 503)
      }
      return c.json(run)
    },
  )
  .post(
    '/bootstrap',
    doc({
      tag: 'setup',
      summary: 'Create the well-known groups and their models',
      description:
        'In one transaction: for each role given (embedModel, taskModel, chatModel), its group (Embedder, Tasks, Chat) with that model declared in it; then the extraModels, declared. Each model id is the UUIDv5 of its name in the tenant namespace (tenantId, default TENANT_ID). Idempotent: a second run changes nothing.',
      access: 'admin',
      json: true,
      ok: { 200: { description: 'the groups and models it ensured', schema: bootstrapResultSchema } },
      errors: { 409: 'a well-known group name is taken by another group', 422: 'bad input; nothing written' },
    }),
    validate('json', bootstrapInput),
    async (c) => {
      const input = c.req.valid('json')
      const tenantId = input.tenantId || c.env.TENANT_ID
      if (!tenantId) throw new ApiError(422, 'invalid_field', 'tenantId is required (or set TENANT_ID)', 'tenantId')
      try {
        const result = await bootstrap(c.get('db')(), { ...input, tenantId })
        logAdminChange('setup.bootstrap', { models: result.models.length })
        return c.json({ tenantId, ...result })
      } catch (error) {
        if (error instanceof BootstrapError) {
          const param = error.message.startsWith('invalid tenant_id') ? 'tenantId' : undefined
          throw new ApiError(error.conflict ? 409 : 422, 'bootstrap_failed', error.message, param)
        }
        throw error
      }
    },
  )
