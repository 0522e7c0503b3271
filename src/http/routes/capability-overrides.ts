import { Hono } from 'hono'
import { z } from 'zod'
import { deleteOverride, listOverrides, setOverride } from '../../db/overrides'
import { requireAdmin } from '../auth'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'
import { MAX_TEXT_CHARS, backendType, body, text } from '../input'
import { doc } from '../openapi'
import { validate } from '../validate'
import { logAdminChange } from '../log'

const capabilityOverrideSchema = z
  .object({
    provider: z.string(),
    model: z.string(),
    /** null: the provider's own answer stands. */
    canThink: z.boolean().nullable(),
    canVision: z.boolean().nullable(),
  })
  .meta({ id: 'CapabilityOverride' })

/**
 * `/:provider/:model{.+}`: the model is the rest of the path, so ids with slashes
 * (`anthropic/claude-sonnet-4.5`, `models/gemini-2.5-pro`) work unencoded.
 */
const OVERRIDE_PATH = '/:provider/:model{.+}'

const overrideKey = z.object({
  provider: backendType('provider'),
  model: text('model', { max: MAX_TEXT_CHARS }),
})

const flag = z.boolean({ error: 'must be true, false, or null to clear' }).nullable().optional()

const overrideInput = body({ canThink: flag, canVision: flag }).refine(
  (v) => v.canThink !== undefined || v.canVision !== undefined,
  {
    error: 'give canThink or canVision (true, false, or null to clear)',
    path: ['canThink'],
  },
)

export const capabilityOverrideRoutes = new Hono<AppEnv>()
  .use(requireAdmin)
  .get(
    '/',
    doc({
      tag: 'capability-overrides',
      summary: 'Every think/vision override, by provider then model',
      access: 'admin',
      ok: { 200: { description: 'the overrides', schema: z.array(capabilityOverrideSchema) } },
    }),
    async (c) => c.json(await listOverrides(c.get('db')())),
  )
  .put(
    OVERRIDE_PATH,
    doc({
      tag: 'capability-overrides',
      summary: "Set think or vision for a provider type's model",
      description:
        'Applies from the next cycle on. An absent flag is kept, null clears it, and a record left with neither is deleted.',
      access: 'admin',
      json: true,
      ok: { 200: { description: 'the merged override', schema: capabilityOverrideSchema } },
      errors: { 422: 'unknown provider type, or neither flag given; nothing written' },
    }),
    validate('param', overrideKey),
    validate('json', overrideInput),
    async (c) => {
      const key = c.req.valid('param')
      const patch = c.req.valid('json')
      const merged = await setOverride(c.get('db')(), key, patch)
      const cleared = merged.canThink === null && merged.canVision === null
      logAdminChange(cleared ? 'capability-override.delete' : 'capability-override.set', {
        provider: key.provider,
        model: key.model,
        canThink: merged.canThink,
        canVision: merged.canVision,
      })
      return c.json(merged)
    },
  )
  .delete(
    OVERRIDE_PATH,
    doc({
      tag: 'capability-overrides',
      summary: "Remove a model's override",
      description: "The provider's own answers apply from the next cycle on.",
      access: 'admin',
      ok: { 200: { description: 'deleted', schema: z.object({ deleted: z.literal(true) }) } },
      errors: { 404: 'no override for that provider and model', 422: 'unknown provider type' },
    }),
    validate('param', overrideKey),
    async (c) => {
      const key = c.req.valid('param')
      if (!(await deleteOverride(c.get('db')(), key))) {
        throw new ApiError(
          404,
          'override_not_found',
          `no capability override for ${key.provider} model ${key.model}`,
          'model',
        )
      }
      logAdminChange('capability-override.delete', { ...key })
      return c.json({ deleted: true as const })
    },
  )
