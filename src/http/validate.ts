import type { ValidationTargets } from 'hono'
import { validator } from 'hono-openapi'
import type { z } from 'zod'
import { ApiError } from './errors'

/**
 * zod validation that also documents the route's input in /openapi.json; a failure names every
 * bad field: `422 name: name is required; baseUrl: …`, and nothing is written.
 */
export function validate<Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
) {
  return validator(target, schema, (result) => {
    if (result.success) return
    const issues = result.error.map((issue) => {
      const path = (issue.path ?? []).map((p) => (typeof p === 'object' ? p.key : p)).join('.')
      return { path, message: `${path || target}: ${issue.message}` }
    })
    throw new ApiError(422, 'invalid_field', issues.map((i) => i.message).join('; '), issues[0]?.path || undefined)
  })
}
