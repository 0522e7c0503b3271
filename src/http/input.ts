import { z } from 'zod'
import { BACKEND_TYPES } from '../providers'
import type { BackendType } from '../providers/types'
import { canonicalBackendType } from '../published/backend-type'

/**
 * The building blocks of every request schema, so each input has a bound and each failure a
 * message in our words (`name must be a string`, `baseUrl must be at most 512 characters`),
 * whatever the validator would say by default.
 */

/** The largest request body the API reads. */
export const MAX_BODY_BYTES = 64 * 1024
/** A literal credential: API keys are far shorter, service-account JSON is about 2.5 KB. */
export const MAX_API_KEY_CHARS = 8 * 1024
/** Names, base URLs, model ids and purpose types: the width of their columns. */
export const MAX_TEXT_CHARS = 512
/** Ids in paths and bodies: the width of the id columns. */
export const MAX_ID_CHARS = 255
/** Backend types as sent: far longer than any the registry knows. */
export const MAX_TYPE_CHARS = 64
/** The largest Postgres integer. */
const MAX_INT = 2_147_483_647

/**
 * What Postgres cannot store in a text column: NUL, and a UTF-16 surrogate without its other
 * half (JSON can spell one as "\ud800"; it has no UTF-8 encoding).
 */
// eslint-disable-next-line no-control-regex -- NUL is what this looks for.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Whether Postgres can store `value` as text. */
export function storableText(value: string): boolean {
  return !UNSTORABLE.test(value)
}

export interface TextOptions {
  max: number
  /** Defaults to 1 after trimming: an empty value is "required". Pass 0 to allow "". */
  min?: number
  /** Leading and trailing whitespace removed before the checks (default true). */
  trim?: boolean
  /** Other words, where a route keeps the seed's: for a missing value, an empty one, a long one. */
  messages?: { missing?: string; empty?: string; tooLong?: string }
}

/**
 * A text field: a string, trimmed, within its length, storable in Postgres. Every string any
 * request schema accepts is one of these.
 */
export function text(field: string, options: TextOptions) {
  const { max, min = 1, trim = true, messages = {} } = options
  let schema = z.string({
    error: (issue) =>
      issue.input === undefined ? (messages.missing ?? `${field} is required`) : `${field} must be a string`,
  })
  if (trim) schema = schema.trim()
  if (min > 0) {
    const empty = min === 1 ? `${field} is required` : `${field} must be at least ${min} characters`
    schema = schema.min(min, messages.empty ?? empty)
  }
  return schema
    .max(max, messages.tooLong ?? `${field} must be at most ${max} characters`)
    .refine(storableText, `${field} must not contain NUL (\\u0000) or unpaired surrogate characters`)
}

/** true or false. */
export function flag(field: string) {
  return z.boolean({ error: `${field} must be true or false` })
}

/** An id, as in a path: ids are compared exactly, so never trimmed. */
export function id(field: string) {
  return text(field, { max: MAX_ID_CHARS, trim: false })
}

/** A route's path parameters, each an id: `idParams('id', 'backendId')` for `/:id/backends/:backendId`. */
export function idParams<const Names extends string>(...names: Names[]) {
  return z.object(Object.fromEntries(names.map((name) => [name, id(name)])) as Record<Names, ReturnType<typeof id>>)
}

/** A backend type the provider registry knows, in any case and with spaces around it (` Ollama`). */
export function backendType(field: string) {
  return text(field, { max: MAX_TYPE_CHARS })
    .transform(canonicalBackendType)
    .pipe(
      z.enum(BACKEND_TYPES as [BackendType, ...BackendType[]], {
        error: `${field} must be one of ${BACKEND_TYPES.join(', ')}`,
      }),
    )
}

/** A declared model's context length in tokens: 0 (unknown) when absent. */
export const contextLength = z
  .number({ error: 'contextLength must be an integer ≥ 0' })
  .int('contextLength must be an integer ≥ 0')
  .min(0, 'contextLength must be an integer ≥ 0')
  .max(MAX_INT, `contextLength must be at most ${MAX_INT}`)
  .optional()
  .default(0)

function unknownFields(keys: readonly PropertyKey[]): string {
  const names = keys.map((k) => `"${String(k)}"`).join(', ')
  return keys.length === 1 ? `unknown field ${names}` : `unknown fields ${names}`
}

/**
 * A JSON object with exactly these fields: an unknown one is named (`unknown field "colour"`)
 * rather than silently dropped, so a typo never looks like it was applied.
 */
export function body<Shape extends z.ZodRawShape>(shape: Shape, what = 'body') {
  return z.strictObject(shape, {
    // An object schema raises only these two issues itself.
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? unknownFields(issue.keys) : `${what} must be a JSON object`,
  })
}

/** A whole-number query parameter from `min` to `max` (or without an upper bound), each bound named in its message. */
export function wholeNumber(field: string, { min, max }: { min: number; max?: number }) {
  const bounded = z.coerce
    .number({ error: `${field} must be a whole number` })
    .int(`${field} must be a whole number`)
    .min(min, `${field} must be at least ${min}`)
  return max === undefined ? bounded : bounded.max(max, `${field} must be at most ${max}`)
}

/**
 * `?limit=`: a whole number from 1 (to `max`, when there is one), `fallback` when absent. Every
 * route that takes a limit reads it with this, so a bad one is a 422 naming `limit`, as any bad field.
 */
export function limitParam(fallback: number, max?: number) {
  return wholeNumber('limit', { min: 1, max }).optional().default(fallback)
}
