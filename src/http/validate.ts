import type { Context, ValidationTargets } from 'hono'
import { validator } from 'hono-openapi'
import type { z } from 'zod'
import { ApiError } from './errors'

/** `application/json`, or a `+json` type: what Hono's JSON validator reads (any other is ignored). */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i

/** How a failure on the whole input (no field path) is prefixed, per target. */
const WHOLE: Partial<Record<keyof ValidationTargets, string>> = { json: 'body', query: 'query', param: 'path' }

interface Issue {
  code?: string
  message: string
  path?: readonly (PropertyKey | { key: PropertyKey })[]
  keys?: readonly string[]
}

/** One issue as `field: message`, and the field it names (an unknown field names itself). */
export function describeIssue(issue: Issue, target: string): { param?: string; message: string } {
  const path = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.')
  if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
    const param = [path, issue.keys[0]].filter(Boolean).join('.')
    return { param, message: path ? `${path}: ${issue.message}` : issue.message }
  }
  return {
    param: path || undefined,
    message: `${path || WHOLE[target as keyof ValidationTargets] || target}: ${issue.message}`,
  }
}

/** The 422 naming every bad field. */
function invalidInput(issues: readonly Issue[], target: string): ApiError {
  const described = issues.map((issue) => describeIssue(issue, target))
  return new ApiError(422, 'invalid_field', described.map((i) => i.message).join('; '), described[0]?.param)
}

/**
 * The query read with `schema` inside a handler, failing as `validate` does. For a route whose
 * query is all optional: `validate` would make its typed client's call take a `query` argument.
 */
export function validQuery<Schema extends z.ZodType>(c: Context, schema: Schema): z.output<Schema> {
  const result = schema.safeParse(c.req.query())
  if (!result.success) throw invalidInput(result.error.issues, 'query')
  return result.data
}

/**
 * zod validation that also documents the route's input in /openapi.json; a failure names every
 * bad field: `422 name: name is required; baseUrl: …`, and nothing is written. A JSON body sent
 * as anything but JSON is refused with 415 before it is read: without that, Hono's validator
 * would ignore the body and report every field as missing. A body that does not parse is a 400
 * `invalid_json`, like the other input that cannot be read (a malformed cursor).
 */
export function validate<Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
) {
  const middleware = validator(target, schema, (result) => {
    if (!result.success) throw invalidInput(result.error, target)
  })
  if (target !== 'json') return middleware
  const requireJson: typeof middleware = async (c, next) => {
    const mediaType = (c.req.header('Content-Type') ?? '').split(';')[0]!.trim()
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      throw new ApiError(
        415,
        'unsupported_media_type',
        `send JSON: Content-Type must be application/json${mediaType ? `, not ${mediaType}` : ''}`,
      )
    }
    // Parsed here, so a body that is not JSON gets its own code (Hono's validator answers a bare
    // 400 `http_error`); the validator then reads the parsed body Hono keeps.
    try {
      await c.req.json()
    } catch (error) {
      // Anything but a parse error (a body over the limit, a broken stream) is not ours to name.
      if (!(error instanceof SyntaxError)) throw error
      // The parser's message can quote the body, which may hold a key: only its position is kept.
      const position = /\bat position (\d+)/.exec(error.message)?.[1]
      throw new ApiError(400, 'invalid_json', `body: not valid JSON${position ? ` (at position ${position})` : ''}`)
    }
    return middleware(c, next)
  }
  // The validator carries the route's request schema for /openapi.json as properties; keep them.
  return Object.assign(requireJson, middleware)
}
