import { zValidator } from '@hono/zod-validator'
import type { ValidationTargets } from 'hono'
import type { z } from 'zod'
import { ApiError } from './errors'

/** zod validation whose failure names every bad field: `422 name: Required; baseUrl: …`. */
export function validate<Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
) {
  return zValidator(target, schema, (result) => {
    if (result.success) return
    const issues = result.error.issues.map((i) => `${i.path.join('.') || target}: ${i.message}`)
    const param = result.error.issues[0]?.path.join('.')
    throw new ApiError(422, 'invalid_field', issues.join('; '), param || undefined)
  })
}
