import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { DatabaseNotConfiguredError } from '../db/client'
import { SettingsError } from '../env'

/** The one error body every route answers with. */
export interface ErrorBody {
  error: { message: string; type: string; code: string; param?: string }
}

/** An error a route raises on purpose; `onError` turns it into the JSON error body. */
export class ApiError extends HTTPException {
  readonly code: string
  readonly param?: string

  constructor(status: ContentfulStatusCode, code: string, message: string, param?: string) {
    super(status, { message })
    this.code = code
    this.param = param
  }
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  422: 'invalid_request_error',
  503: 'unavailable_error',
}

export function errorBody(status: number, code: string, message: string, param?: string): ErrorBody {
  return { error: { message, type: TYPE_BY_STATUS[status] ?? 'api_error', code, ...(param ? { param } : {}) } }
}

/** Postgres unique violation, as the Neon driver reports it (drizzle wraps it in `cause`). */
export function uniqueViolation(error: unknown): { constraint: string } | undefined {
  for (
    let e = error as { code?: unknown; constraint?: unknown; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (e.code === '23505') return { constraint: String(e.constraint ?? '') }
  }
  return undefined
}

/** Maps every error to HTTP in one place; unknown errors are logged and answered without detail. */
export function onError(error: Error, c: Context): Response {
  if (error instanceof ApiError) {
    return c.json(errorBody(error.status, error.code, error.message, error.param), error.status)
  }
  if (error instanceof HTTPException) {
    return c.json(errorBody(error.status, 'http_error', error.message || 'request failed'), error.status)
  }
  if (error instanceof SettingsError) {
    return c.json(errorBody(500, 'invalid_setting', error.message), 500)
  }
  if (error instanceof DatabaseNotConfiguredError) {
    return c.json(errorBody(503, 'database_not_configured', error.message), 503)
  }
  console.error(JSON.stringify({ msg: 'unhandled error', path: c.req.path, error: error.message }))
  return c.json(errorBody(500, 'internal_error', 'internal error; the Worker log has the details'), 500)
}
