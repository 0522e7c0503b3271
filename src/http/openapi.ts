import { describeRoute, resolver } from 'hono-openapi'
import type { z } from 'zod'
import { MAX_BODY_BYTES } from './input'
import { errorBodySchema } from './schemas'

type Access = 'public' | 'read' | 'admin'

const SECURITY: Record<Access, { bearer: string[] }[]> = {
  public: [],
  read: [{ bearer: [] }],
  admin: [{ bearer: [] }],
}

/** The error answers every route of an access level can give, besides its own. */
const AUTH_ERRORS: Record<Access, Record<number, string>> = {
  public: {},
  // Every read route answers from the snapshot, which can be mid-publication at this location.
  read: { 401: 'no token', 403: 'token not accepted', 503: 'the snapshot is being republished; retry (Retry-After)' },
  admin: {
    401: 'no token',
    403: 'token not accepted',
    503: 'ADMIN_TOKEN is not set, or the database is unavailable (retry after Retry-After seconds)',
  },
}

/** What every route taking a JSON body can also answer. */
const BODY_ERRORS: Record<number, string> = {
  400: 'the body is not valid JSON (invalid_json)',
  413: `the body is larger than ${MAX_BODY_BYTES} bytes`,
  415: 'the body is not sent as JSON (Content-Type: application/json)',
  422: 'bad input, each bad or unknown field named; nothing written',
}

export interface RouteDoc {
  tag: string
  summary: string
  /** What the summary leaves out: parameters, limits, what happens. */
  description?: string
  access: Access
  /** Success answers: status → description and body schema (none for 204/304). */
  ok: Record<number, { description: string; schema?: z.ZodType }>
  /** Route-specific error answers: status → when. */
  errors?: Record<number, string>
  /** The route reads a JSON body (validated with validate('json', …)). */
  json?: boolean
}

/**
 * Documents a route in /openapi.json from the same zod schemas that validate it (request
 * schemas come from `validate`); errors share the one error body.
 */
export function doc(route: RouteDoc) {
  const responses: Record<string, unknown> = {}
  for (const [status, { description, schema }] of Object.entries(route.ok)) {
    responses[status] = schema
      ? { description, content: { 'application/json': { schema: resolver(schema) } } }
      : { description }
  }
  const errors = { ...AUTH_ERRORS[route.access], ...(route.json ? BODY_ERRORS : {}), ...route.errors }
  for (const [status, description] of Object.entries(errors)) {
    responses[status] = { description, content: { 'application/json': { schema: resolver(errorBodySchema) } } }
  }
  return describeRoute({
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security: SECURITY[route.access],
    responses: responses as never,
  })
}

export const OPENAPI_DOCUMENTATION = {
  info: {
    title: 'runtimestate',
    version: '0.1.0',
    description:
      'Which LLM backends are reachable and which models each serves, with what capabilities. Read routes answer from the last published snapshot; admin routes declare what is observed.',
  },
  components: {
    securitySchemes: {
      bearer: {
        type: 'http' as const,
        scheme: 'bearer',
        description: 'READ_TOKEN (or ADMIN_TOKEN) for read routes, ADMIN_TOKEN for admin routes.',
      },
    },
  },
}
