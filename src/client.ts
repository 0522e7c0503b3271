import { hc } from 'hono/client'
import type { AppType } from './http/app'

export interface ClientOptions {
  /** READ_TOKEN for read routes, ADMIN_TOKEN for admin routes. */
  token?: string
  /** A fetch of your own, e.g. a service binding's, or a test's. */
  fetch?: typeof fetch
}

/**
 * A typed client for the runtimestate API: paths, parameters and response bodies are checked
 * against the Worker's own route definitions.
 *
 * @example
 * const client = createClient('https://runtimestate.example.workers.dev', { token: READ_TOKEN })
 * const res = await client.providers.$get({ query: { type: 'ollama', capability: 'embed' } })
 * const providers = await res.json()
 */
export function createClient(baseUrl: string, options: ClientOptions = {}) {
  return hc<AppType>(baseUrl, {
    headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
    fetch: options.fetch,
  })
}

export type Client = ReturnType<typeof createClient>
export type { AppType }
