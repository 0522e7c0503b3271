import { DrizzleQueryError } from 'drizzle-orm'

/**
 * Why the database could not answer, in terms a client can act on: every one of these is
 * temporary from the caller's point of view, so the HTTP layer answers 503 with Retry-After.
 */
export type DatabaseUnavailableReason =
  /** The server refused a new connection: it is at max_connections, or starting up. */
  | 'at_capacity'
  /** The connection could not be opened, or broke before the answer came. */
  | 'unreachable'
  /** The server is shutting down or was restarted under us. */
  | 'shutting_down'
  /** A statement ran past statement_timeout, or no connection came within the connect timeout. */
  | 'timeout'

/** How long a client should wait before retrying, per reason (seconds). */
const RETRY_AFTER_S: Record<DatabaseUnavailableReason, number> = {
  at_capacity: 2,
  timeout: 5,
  unreachable: 10,
  shutting_down: 10,
}

/** The database is down, out of connections or too slow: a temporary condition, never a bug. */
export class DatabaseUnavailableError extends Error {
  readonly reason: DatabaseUnavailableReason
  readonly retryAfterSeconds: number

  constructor(reason: DatabaseUnavailableReason, detail: string, options?: { cause?: unknown }) {
    super(`database unavailable (${reason.replace('_', ' ')}): ${detail}`, options)
    this.name = 'DatabaseUnavailableError'
    this.reason = reason
    this.retryAfterSeconds = RETRY_AFTER_S[reason]
  }
}

/** SQLSTATEs that mean "not now" rather than "wrong statement". */
function reasonForSqlState(code: string): DatabaseUnavailableReason | undefined {
  if (code === '53300' || code === '57P03') return 'at_capacity' // too_many_connections, cannot_connect_now
  if (code === '57P01' || code === '57P02') return 'shutting_down' // admin_shutdown, crash_shutdown
  if (code === '57014') return 'timeout' // query_canceled: statement_timeout
  if (code.startsWith('08')) return 'unreachable' // connection_exception and its subclasses
  return undefined
}

/** Socket errors as Node-style code strings (the driver keeps them when it wraps one). */
const UNREACHABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN'])

/**
 * The driver's own words for a connection that failed before or while a statement ran. They are
 * plain Errors without a code, so the message is all there is to go on; workerd prefixes what
 * it rethrows with "Uncaught Error: ", hence no anchor at the start.
 */
const DRIVER_MESSAGES: [RegExp, DatabaseUnavailableReason][] = [
  [/\btimeout exceeded when trying to connect/i, 'timeout'],
  [/\bConnection terminated due to connection timeout/i, 'timeout'],
  // query_timeout: the driver gave up waiting where the server was not told the limit (PGlite, pooled Neon).
  [/\bQuery read timeout\b/i, 'timeout'],
  [/\bConnection terminated\b/i, 'unreachable'],
  [/\bClient has encountered a connection error/i, 'unreachable'],
  [/\bNetwork connection lost\b/i, 'unreachable'],
  [/\bWebSocket (connection|closed|error|peer disconnected)/i, 'unreachable'],
]

interface ErrorLike {
  code?: unknown
  message?: unknown
  constraint?: unknown
  cause?: unknown
}

/** An error and each cause it wraps, outermost first (drizzle wraps the driver's error in `cause`); a loop ends the walk. */
function* causes(error: unknown): Generator<ErrorLike & object> {
  const seen = new Set<unknown>()
  for (let e = error; e && typeof e === 'object' && !seen.has(e); e = (e as ErrorLike).cause) {
    seen.add(e)
    yield e
  }
}

/** The violation of `sqlState` anywhere in the chain, with the constraint it names ('' when none). */
function violation(error: unknown, sqlState: string): { constraint: string } | undefined {
  for (const { code, constraint } of causes(error)) {
    if (code === sqlState) return { constraint: typeof constraint === 'string' ? constraint : '' }
  }
  return undefined
}

/** A unique violation (23505): a name or key is taken. */
export function uniqueViolation(error: unknown): { constraint: string } | undefined {
  return violation(error, '23505')
}

/** A foreign-key violation (23503): a row referred to is gone. */
export function foreignKeyViolation(error: unknown): { constraint: string } | undefined {
  return violation(error, '23503')
}

/**
 * The DatabaseUnavailableError an error from the driver (or drizzle, which wraps the driver's
 * error in `cause`) stands for, or undefined when it is anything else (a constraint, a bug). The
 * WebSocket the Neon driver talks over reports a failed connection as a bare ErrorEvent, not an Error.
 */
export function databaseUnavailable(error: unknown): DatabaseUnavailableError | undefined {
  for (const e of causes(error)) {
    if (e instanceof DatabaseUnavailableError) return e
    if (typeof Event !== 'undefined' && e instanceof Event) {
      return new DatabaseUnavailableError('unreachable', `${e.type} event from the database connection`, {
        cause: error,
      })
    }
    // drizzle's wrapper repeats the statement and its parameters: only its cause speaks.
    if (e instanceof DrizzleQueryError) continue
    const { code, message } = e
    const text = typeof message === 'string' ? message : ''
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      // A server error is judged by its SQLSTATE alone: its message may quote the input.
      const reason = reasonForSqlState(code)
      return reason ? new DatabaseUnavailableError(reason, text || `SQLSTATE ${code}`, { cause: error }) : undefined
    }
    if (typeof code === 'string' && UNREACHABLE_ERRNO.has(code)) {
      return new DatabaseUnavailableError('unreachable', text || code, { cause: error })
    }
    for (const [pattern, reason] of DRIVER_MESSAGES) {
      if (pattern.test(text)) return new DatabaseUnavailableError(reason, text, { cause: error })
    }
  }
  return undefined
}

/** What may be logged of a failed query: names and codes only, never a value. */
export interface QueryFailureLogFields {
  /** The thrown error's class, `DrizzleQueryError` when drizzle wrapped the driver's. */
  error: string
  /** The server's SQLSTATE (`23514`: a check failed), when the server answered. */
  sqlState?: string
  /** The constraint the server named, a schema name. */
  constraint?: string
  /** The statement's kind and table (`insert into "backends"`), never its values. */
  statement?: string
}

/** A table name as the statement spells it: drizzle quotes every identifier; Postgres allows 63 bytes. */
const IDENTIFIER = String.raw`("[^"]{1,63}"|[A-Za-z_][\w.$]{0,62})`
const STATEMENT_KINDS: RegExp[] = [
  new RegExp(String.raw`^(insert\s+into)\s+${IDENTIFIER}`, 'i'),
  new RegExp(String.raw`^(update)\s+${IDENTIFIER}`, 'i'),
  new RegExp(String.raw`^(delete\s+from)\s+${IDENTIFIER}`, 'i'),
]
const SELECT_FROM = new RegExp(String.raw`^select\b.*?\bfrom\s+${IDENTIFIER}`, 'is')

/**
 * A statement as `insert into "backends"`, `select from "runs"` or just its first word. String
 * literals are removed before a table is looked for, as a statement written with sql.raw can hold
 * a value in one; the parameters are never read.
 */
function statementKind(query: string): string | undefined {
  const text = query.trim().replace(/'(?:[^']|'')*'/g, "''")
  for (const pattern of STATEMENT_KINDS) {
    const match = pattern.exec(text)
    if (match) return `${match[1]!.toLowerCase().replace(/\s+/, ' ')} ${match[2]}`
  }
  const select = SELECT_FROM.exec(text)
  if (select) return `select from ${select[1]}`
  return /^[A-Za-z]+\b/.exec(text)?.[0].toLowerCase()
}

/**
 * The fields to log for an error a query raised, or undefined when no query raised it. A
 * DrizzleQueryError's message repeats every parameter, and a server's message or detail can quote
 * them (`Failing row contains (…)`), so only the SQLSTATE, the constraint and the kind of
 * statement are kept: enough to find the statement, nothing of what it was given.
 */
export function queryFailureLogFields(error: unknown): QueryFailureLogFields | undefined {
  if (!error || typeof error !== 'object') return undefined
  // A null-prototype object has no constructor.
  const fields: QueryFailureLogFields = {
    error: (error as { constructor?: { name: string } }).constructor?.name || 'Error',
  }
  let fromQuery = false
  for (const e of causes(error)) {
    if (e instanceof DrizzleQueryError) {
      fromQuery = true
      fields.statement ??= statementKind(e.query)
      continue
    }
    const { code, constraint } = e
    if (fields.sqlState === undefined && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      fromQuery = true
      fields.sqlState = code
      if (typeof constraint === 'string' && constraint) fields.constraint = constraint
    }
  }
  return fromQuery ? fields : undefined
}
