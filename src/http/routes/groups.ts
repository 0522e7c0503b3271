import { Hono } from 'hono'
import { z } from 'zod'
import {
  type MemberKind,
  type MembershipOutcome,
  addMember,
  createGroup,
  deleteGroup,
  getGroup,
  listGroups,
  removeMember,
  updateGroup,
} from '../../db/groups'
import { requireAdmin } from '../auth'
import type { AppEnv } from '../context'
import { ApiError, conflictWhenTaken } from '../errors'
import { MAX_TEXT_CHARS, body, idParams, text } from '../input'
import { doc } from '../openapi'
import { validate } from '../validate'
import { logAdminChange } from '../log'

const groupSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    purposeType: z.string(),
    backendIds: z.array(z.string()),
    modelIds: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Group' })

const groupInput = body({
  name: text('name', { max: MAX_TEXT_CHARS }),
  purposeType: text('purposeType', { max: MAX_TEXT_CHARS }),
})

const idParam = idParams('id')
const backendParam = idParams('id', 'backendId')
const modelParam = idParams('id', 'modelId')

const nameTaken = (name: string) =>
  conflictWhenTaken(() => ({ code: 'group_exists', message: `group named "${name}" already exists`, param: 'name' }))

const groupNotFound = (id: string) => new ApiError(404, 'group_not_found', `no group ${id}`, 'id')

const MEMBER = {
  backend: { param: 'backendId', code: 'backend_not_found', what: 'backend' },
  model: { param: 'modelId', code: 'declared_model_not_found', what: 'declared model' },
} as const

/** Turns a membership change's outcome into the 404 naming what is missing. */
function checkOutcome(outcome: MembershipOutcome, kind: MemberKind, groupId: string, memberId: string) {
  const member = MEMBER[kind]
  if (outcome === 'group_missing') throw groupNotFound(groupId)
  if (outcome === 'member_missing') throw new ApiError(404, member.code, `no ${member.what} ${memberId}`, member.param)
  if (outcome === 'not_a_member') {
    throw new ApiError(
      404,
      'membership_not_found',
      `${member.what} ${memberId} is not in group ${groupId}`,
      member.param,
    )
  }
}

async function answerGroup(c: { get: (key: 'db') => AppEnv['Variables']['db'] }, id: string) {
  const group = await getGroup(c.get('db')(), id)
  if (!group) throw groupNotFound(id)
  return group
}

const membershipDocs = (kind: MemberKind, verb: 'put' | 'delete') => {
  const member = MEMBER[kind]
  return doc({
    tag: 'groups',
    summary: verb === 'put' ? `Put a ${member.what} in a group` : `Take a ${member.what} out of a group`,
    ...(verb === 'put'
      ? {
          description:
            "Idempotent. With GROUPS=true the cycle probes only the backends in some group, each against its groups' models.",
        }
      : {}),
    access: 'admin',
    ok: { 200: { description: 'the group', schema: groupSchema } },
    errors: {
      404:
        verb === 'put'
          ? `no such group or ${member.what}`
          : `no such group or ${member.what}, or the ${member.what} is not in the group`,
    },
  })
}

export const groupRoutes = new Hono<AppEnv>()
  .use(requireAdmin)
  .post(
    '/',
    doc({
      tag: 'groups',
      summary: 'Create a group',
      description:
        "A group ties backends to the declared models they should serve. With GROUPS=true the cycle probes only the backends in some group, each against its groups' models.",
      access: 'admin',
      json: true,
      ok: { 201: { description: 'created', schema: groupSchema } },
      errors: { 409: 'the name is taken', 422: 'bad input; nothing written' },
    }),
    validate('json', groupInput),
    async (c) => {
      const input = c.req.valid('json')
      const group = await createGroup(c.get('db')(), input).catch(nameTaken(input.name))
      logAdminChange('group.create', { id: group.id, name: group.name })
      return c.json(group, 201)
    },
  )
  .get(
    '/',
    doc({
      tag: 'groups',
      summary: 'Every group by name, with its member backend and model ids',
      access: 'admin',
      ok: { 200: { description: 'the groups', schema: z.array(groupSchema) } },
    }),
    async (c) => c.json(await listGroups(c.get('db')())),
  )
  .get(
    '/:id',
    doc({
      tag: 'groups',
      summary: 'One group with its member backend and model ids',
      access: 'admin',
      ok: { 200: { description: 'the group', schema: groupSchema } },
      errors: { 404: 'no such group' },
    }),
    validate('param', idParam),
    async (c) => c.json(await answerGroup(c, c.req.valid('param').id)),
  )
  .put(
    '/:id',
    doc({
      tag: 'groups',
      summary: 'Rename a group or change its purpose type',
      access: 'admin',
      json: true,
      ok: { 200: { description: 'the updated group', schema: groupSchema } },
      errors: { 404: 'no such group', 409: 'the name is taken', 422: 'bad input; nothing written' },
    }),
    validate('param', idParam),
    validate('json', groupInput),
    async (c) => {
      const { id } = c.req.valid('param')
      const input = c.req.valid('json')
      const group = await updateGroup(c.get('db')(), id, input).catch(nameTaken(input.name))
      if (!group) throw groupNotFound(id)
      logAdminChange('group.update', { id, name: group.name })
      return c.json(group)
    },
  )
  .delete(
    '/:id',
    doc({
      tag: 'groups',
      summary: 'Delete a group and its memberships',
      description: 'Its backends and models stay.',
      access: 'admin',
      ok: { 200: { description: 'deleted', schema: z.object({ deleted: z.string() }) } },
      errors: { 404: 'no such group' },
    }),
    validate('param', idParam),
    async (c) => {
      const { id } = c.req.valid('param')
      if (!(await deleteGroup(c.get('db')(), id))) throw groupNotFound(id)
      logAdminChange('group.delete', { id })
      return c.json({ deleted: id })
    },
  )
  .put('/:id/backends/:backendId', membershipDocs('backend', 'put'), validate('param', backendParam), async (c) => {
    const { id, backendId } = c.req.valid('param')
    checkOutcome(await addMember(c.get('db')(), 'backend', id, backendId), 'backend', id, backendId)
    logAdminChange('group.add-backend', { id, backendId })
    return c.json(await answerGroup(c, id))
  })
  .delete(
    '/:id/backends/:backendId',
    membershipDocs('backend', 'delete'),
    validate('param', backendParam),
    async (c) => {
      const { id, backendId } = c.req.valid('param')
      checkOutcome(await removeMember(c.get('db')(), 'backend', id, backendId), 'backend', id, backendId)
      logAdminChange('group.remove-backend', { id, backendId })
      return c.json(await answerGroup(c, id))
    },
  )
  .put('/:id/models/:modelId', membershipDocs('model', 'put'), validate('param', modelParam), async (c) => {
    const { id, modelId } = c.req.valid('param')
    checkOutcome(await addMember(c.get('db')(), 'model', id, modelId), 'model', id, modelId)
    logAdminChange('group.add-model', { id, modelId })
    return c.json(await answerGroup(c, id))
  })
  .delete('/:id/models/:modelId', membershipDocs('model', 'delete'), validate('param', modelParam), async (c) => {
    const { id, modelId } = c.req.valid('param')
    checkOutcome(await removeMember(c.get('db')(), 'model', id, modelId), 'model', id, modelId)
    logAdminChange('group.remove-model', { id, modelId })
    return c.json(await answerGroup(c, id))
  })
