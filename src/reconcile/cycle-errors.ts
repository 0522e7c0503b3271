import { DrizzleQueryError } from 'drizzle-orm'

/**
 * The driver's own message: drizzle wraps it in one that repeats the whole query and its params,
 * and a WebSocket that could not connect reports an ErrorEvent, whose text is in `message`.
 */
export function errorText(error: unknown): string {
  const cause = error instanceof DrizzleQueryError ? error.cause : error
  const message = (cause as { message?: unknown } | undefined)?.message
  if (typeof message === 'string' && message) return message
  if (cause instanceof Event) return `${cause.type} event from the database connection`
  return String(cause)
}
