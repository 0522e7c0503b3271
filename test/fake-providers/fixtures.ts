import { readFileSync } from 'node:fs'
import type { IncomingHttpHeaders } from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/providers')

/** A recorded response body from fixtures/providers/, e.g. `fixture('openai/models.json')`. */
export function fixture(name: string): string {
  return readFileSync(path.join(root, name), 'utf8')
}

/** The recorded error body for a status, or a generic one when none was recorded. */
export function errorFixture(dir: string, status: number): string {
  try {
    return fixture(`${dir}/error-${status}.json`)
  } catch {
    return JSON.stringify({ error: `fake error ${status}` })
  }
}

export interface FakeRequest {
  method: string
  /** The provider's own path, after `/<provider>/<behaviour>/<id>`, without the query. */
  path: string
  /** The request target as received, `/<provider>/<behaviour>/<id>/…?…` (what a signature covers). */
  url: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: string
}

export interface Reply {
  status: number
  body: string
  contentType?: string
  /** Extra response headers, e.g. Bedrock's `x-amzn-ErrorType`. */
  headers?: Record<string, string>
}

/** One fake provider: answers requests to its own paths from the fixtures. */
export type FakeProvider = (request: FakeRequest) => Reply | Promise<Reply>

export const json = (file: string, status = 200): Reply => ({ status, body: fixture(file) })
export const notFound = (what: string): Reply => ({
  status: 404,
  body: JSON.stringify({ error: `fake has no ${what}` }),
})
