import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { DatabaseNotConfiguredError } from '../db/client'
import { databaseUnavailable, queryFailureLogFields, uniqueViolation } from '../db/errors'
import { SettingsError } from '../env'
import { SnapshotUnavailableError } from '../kv/snapshot-reader'
import { ErrorPage } from '../pages/login-page'
import { renderPage } from '../pages/layout'
import type { AppEnv } from './context'
import { logDatabaseUnavailable } from './log'

/** The one error body every route answers with. */
export interface ErrorBody {
  error: { message: string; type: string; code: string; param?: string }
}

/** An error a route raises on purpose; `onError` turns it into the JSON error body. */
export class ApiError extends HTTPException {
  readonly code: string
  readonly param?: string
  /** Headers the answer carries (`Allow` on a 405, say). */
  readonly headers?: Record<string, string>

  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    param?: string,
    headers?: Record<string, string>,
  ) {
    super(status, { message })
    this.code = code
    this.param = param
    this.headers = headers
  }
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  409: 'conflict_error',
  410: 'invalid_request_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  422: 'invalid_request_error',
  503: 'unavailable_error',
}

export function errorBody(status: number, code: string, message: string, param?: string): ErrorBody {
  return { error: { message, type: TYPE_BY_STATUS[status] ?? 'api_error', code, ...(param ? { param } : {}) } }
}

/** What a route answers when a write finds its name or key taken: a 409 naming the field. */
export interface Taken {
  code: string
  message: string
  param: string
}

/**
 * A `.catch` for a write that may take a name or key already taken: the unique violation becomes
 * the 409 `taken` describes for the constraint it broke; anything else is rethrown as it is.
 */
export function conflictWhenTaken(taken: (constraint: string) => Taken) {
  return (error: unknown): never => {
    const violation = uniqueViolation(error)
    if (!violation) throw error
    const { code, message, param } = taken(violation.constraint)
    throw new ApiError(409, code, message, param)
  }
}

/**
 * Maps every error to HTTP in one place; unknown errors are logged and answered without detail.
 * A status page gets the same status, headers and message as a page of its own.
 */
export async function onError(error: Error, c: Context<AppEnv>): Promise<Response> {
  const { status, code, message, param, headers } = httpError(error, c)
  // The pages' own routes mark themselves; a path under /status they do not know is a page too.
  if (c.get('page') || c.req.path.startsWith('/status/')) {
    const page = await renderPage(ErrorPage({ status, message }))
    return c.html(page, status, headers)
  }
  return c.json(errorBody(status, code, message, param), status, headers)
}

interface HttpError {
  status: ContentfulStatusCode
  code: string
  message: string
  param?: string
  headers?: Record<string, string>
}

function httpError(error: Error, c: Context<AppEnv>): HttpError {
  if (error instanceof ApiError) {
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      param: error.param,
      headers: error.headers,
    }
  }
  if (error instanceof HTTPException) {
    return { status: error.status, code: 'http_error', message: error.message || 'request failed' }
  }
  if (error instanceof SettingsError) {
    return { status: 500, code: 'invalid_setting', message: error.message }
  }
  // KV's edge cache can show a new version's meta a little before its values: retry shortly.
  if (error instanceof SnapshotUnavailableError) {
    return {
      status: 503,
      code: 'snapshot_unavailable',
      message: SnapshotUnavailableError.publicMessage,
      headers: { 'Retry-After': SnapshotUnavailableError.retryAfterSeconds },
    }
  }
  if (error instanceof DatabaseNotConfiguredError) {
    return { status: 503, code: 'database_not_configured', message: error.message }
  }
  // Down, out of connections, restarting or too slow: temporary, so the client is told when to
  // retry. Logged, since an operator wants to know, but the driver's words stay out of the answer.
  const unavailable = databaseUnavailable(error)
  if (unavailable) {
    logDatabaseUnavailable(c.req.path, unavailable)
    return {
      status: 503,
      code: 'database_unavailable',
      message: `the database is unavailable (${unavailable.reason.replace('_', ' ')}); retry shortly`,
      headers: { 'Retry-After': String(unavailable.retryAfterSeconds) },
    }
  }
  // Routes name what is taken; a unique violation they did not expect (two concurrent requests
  // racing past a check) is still a conflict, not a server fault.
  if (uniqueViolation(error)) {
    return { status: 409, code: 'conflict', message: 'a concurrent change took the same name or key; retry' }
  }
  // A failed query's message repeats its parameters, which can be a key: only names and codes go to the log.
  const logged = queryFailureLogFields(error) ?? { error: error.message }
  console.error(JSON.stringify({ msg: 'unhandled error', path: c.req.path, ...logged }))
  return { status: 500, code: 'internal_error', message: 'internal error; the Worker log has the details' }
}
