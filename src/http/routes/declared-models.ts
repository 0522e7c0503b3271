import { Hono } from 'hono'
import { z } from 'zod'
import { BootstrapError, modelId } from '../../db/bootstrap'
import {
  createDeclaredModel,
  deleteDeclaredModel,
  getDeclaredModel,
  listDeclaredModels,
  updateDeclaredModel,
} from '../../db/declared-models'
import { catalogIdProblem } from '../../catalog/match'
import { requireAdmin } from '../auth'
import type { AppEnv } from '../context'
import { ApiError, conflictWhenTaken } from '../errors'
import { MAX_TEXT_CHARS, body, contextLength, flag as boolean, idParams, text } from '../input'
import { doc } from '../openapi'
import { declaredModelSchema } from '../schemas'
import { validate } from '../validate'
import { logAdminChange } from '../log'

/** The local tenant, as wrangler.toml sets it, when TENANT_ID is unset. */
const DEFAULT_TENANT_ID = '00000000-0000-0000-0000-000000000001'

const flag = (name: string) => boolean(name).optional().default(false)

/** The Go service's store validation, for both create and update. */
const declaredModelInput = body({
  model: text('model', {
    max: MAX_TEXT_CHARS,
    messages: { missing: 'model cannot be empty', empty: 'model cannot be empty' },
  }),
  contextLength,
  canChat: flag('canChat'),
  canEmbed: flag('canEmbed'),
  canPrompt: flag('canPrompt'),
  canStream: flag('canStream'),
  /** Its models.dev entry, `provider/model`: how a self-hosted model gets catalog facts. */
  catalogId: text('catalogId', { max: MAX_TEXT_CHARS })
    .superRefine((id, ctx) => {
      const problem = catalogIdProblem(id)
      if (problem) ctx.addIssue({ code: 'custom', message: problem })
    })
    .nullable()
    .optional()
    .transform((id) => id ?? null),
}).refine((v) => v.canChat || v.canEmbed || v.canPrompt || v.canStream, {
  error: 'model must have at least one capability',
  path: ['canChat'],
})

const idParam = idParams('id')

/** The id a model name derives (UUIDv5 in the tenant's namespace), as /setup/bootstrap derives it. */
function idDeriver(tenantId: string | undefined) {
  const tenant = tenantId?.trim() || DEFAULT_TENANT_ID
  return (model: string) => {
    try {
      return modelId(tenant, model)
    } catch (error) {
      if (error instanceof BootstrapError)
        throw new ApiError(500, 'invalid_setting', `invalid setting TENANT_ID: ${error.message}`)
      throw error
    }
  }
}

const modelTaken = (model: string) =>
  conflictWhenTaken(() => ({ code: 'model_exists', message: `model "${model}" is already declared`, param: 'model' }))

const notFound = (id: string) => new ApiError(404, 'declared_model_not_found', `no declared model ${id}`, 'id')

export const declaredModelRoutes = new Hono<AppEnv>()
  .use(requireAdmin)
  .post(
    '/',
    doc({
      tag: 'declared-models',
      summary: 'Declare a model',
      description:
        'Its id is the UUIDv5 of its name in the tenant namespace, the id POST /setup/bootstrap would give it.',
      access: 'admin',
      json: true,
      ok: { 201: { description: 'declared', schema: declaredModelSchema } },
      errors: { 409: 'the model name is already declared', 422: 'bad input; nothing written' },
    }),
    validate('json', declaredModelInput),
    async (c) => {
      const input = c.req.valid('json')
      const id = idDeriver(c.env.TENANT_ID)(input.model)
      const model = await createDeclaredModel(c.get('db')(), id, input).catch(modelTaken(input.model))
      logAdminChange('declared-model.create', { id, model: model.model })
      return c.json(model, 201)
    },
  )
  .get(
    '/',
    doc({
      tag: 'declared-models',
      summary: 'Every declared model, by model name',
      access: 'admin',
      ok: { 200: { description: 'the declared models', schema: z.array(declaredModelSchema) } },
    }),
    async (c) => c.json(await listDeclaredModels(c.get('db')())),
  )
  .get(
    '/:id',
    doc({
      tag: 'declared-models',
      summary: 'One declared model',
      access: 'admin',
      ok: { 200: { description: 'the declared model', schema: declaredModelSchema } },
      errors: { 404: 'no such declared model' },
    }),
    validate('param', idParam),
    async (c) => {
      const { id } = c.req.valid('param')
      const model = await getDeclaredModel(c.get('db')(), id)
      if (!model) throw notFound(id)
      return c.json(model)
    },
  )
  .put(
    '/:id',
    doc({
      tag: 'declared-models',
      summary: 'Replace a declared model',
      description:
        'Omitted flags become false, an omitted contextLength 0. A rename moves the model, with its group memberships, to the id its new name derives.',
      access: 'admin',
      json: true,
      ok: { 200: { description: 'the updated model', schema: declaredModelSchema } },
      errors: {
        404: 'no such declared model',
        409: 'the new name is already declared',
        422: 'bad input; nothing written',
      },
    }),
    validate('param', idParam),
    validate('json', declaredModelInput),
    async (c) => {
      const { id } = c.req.valid('param')
      const input = c.req.valid('json')
      const derive = idDeriver(c.env.TENANT_ID)
      const model = await updateDeclaredModel(c.get('db')(), id, input, derive).catch(modelTaken(input.model))
      if (!model) throw notFound(id)
      logAdminChange('declared-model.update', { id, newId: model.id, model: model.model })
      return c.json(model)
    },
  )
  .delete(
    '/:id',
    doc({
      tag: 'declared-models',
      summary: 'Delete a declared model and its group memberships',
      access: 'admin',
      ok: { 200: { description: 'deleted', schema: z.object({ deleted: z.string() }) } },
      errors: { 404: 'no such declared model' },
    }),
    validate('param', idParam),
    async (c) => {
      const { id } = c.req.valid('param')
      if (!(await deleteDeclaredModel(c.get('db')(), id))) throw notFound(id)
      logAdminChange('declared-model.delete', { id })
      return c.json({ deleted: id })
    },
  )
