import { Hono } from 'hono'
import { z } from 'zod'
import { BootstrapError, bootstrap } from '../../db/bootstrap'
import { runBackendCycle } from '../../reconcile/cycle'
import { requireAdmin } from '../auth'
import type { AppEnv } from '../context'
import { ApiError, errorBody } from '../errors'
import { validate } from '../validate'

const modelName = (role: string) => z.string().trim().min(1, `init ${role} model: model name cannot be empty`).optional()

const bootstrapInput = z
  .object({
    tenantId: z.string().trim().optional(),
    embedModel: modelName('embed'),
    taskModel: modelName('task'),
    chatModel: modelName('chat'),
    contextLength: z.number().int().min(0).optional().default(0),
    extraModels: z
      .array(
        z.object({
          name: z.string().trim().min(1, 'extra_models entry has empty name'),
          contextLength: z.number().int().min(0).optional().default(0),
          canChat: z.boolean().optional().default(false),
          canPrompt: z.boolean().optional().default(false),
          canEmbed: z.boolean().optional().default(false),
        }),
      )
      .optional()
      .default([]),
  })
  .refine((v) => v.embedModel || v.taskModel || v.chatModel || v.extraModels.length > 0, {
    message: 'nothing to bootstrap: give embedModel, taskModel, chatModel or extraModels',
    path: ['embedModel'],
  })

export const setupRoutes = new Hono<AppEnv>()
  .use(requireAdmin)
  .post('/refresh', async (c) => {
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
      return c.json({ ...errorBody(409, 'cycle_running', 'another reconcile cycle is running; try again shortly'), run }, 409)
    }
    if (run.outcome === 'failed') {
      return c.json({ ...errorBody(503, 'cycle_failed', run.error ?? 'reconcile cycle failed'), run }, 503)
    }
    return c.json(run)
  })
  .post('/bootstrap', validate('json', bootstrapInput), async (c) => {
    const input = c.req.valid('json')
    const tenantId = input.tenantId || c.env.TENANT_ID
    if (!tenantId) throw new ApiError(422, 'invalid_field', 'tenantId is required (or set TENANT_ID)', 'tenantId')
    try {
      const result = await bootstrap(c.get('db')(), { ...input, tenantId })
      console.log(JSON.stringify({ msg: 'admin change', action: 'setup.bootstrap', models: result.models.length }))
      return c.json({ tenantId, ...result })
    } catch (error) {
      if (error instanceof BootstrapError) {
        const param = error.message.startsWith('invalid tenant_id') ? 'tenantId' : undefined
        throw new ApiError(error.conflict ? 409 : 422, 'bootstrap_failed', error.message, param)
      }
      throw error
    }
  })
