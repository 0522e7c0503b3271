import { METHOD_NAME_ALL } from 'hono/router'
import { TrieRouter } from 'hono/router/trie-router'
import type { RouterRoute } from 'hono/types'

/** The order methods are listed in `Allow`. */
const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/**
 * Which methods some route answers at a path, from an app's own route table, so a request with
 * another method is told `405` with `Allow` rather than `404`. Middleware (`use`, method ALL)
 * answers nothing by itself and is left out; HEAD comes with GET, as Hono serves it. The table
 * is read on first use, when every route is registered.
 */
export function allowedMethods(routes: readonly RouterRoute[]): (path: string) => string[] {
  let router: TrieRouter<string> | undefined
  return (path) => {
    if (!router) {
      router = new TrieRouter<string>()
      for (const route of routes) {
        if (route.method !== METHOD_NAME_ALL) router.add(METHOD_NAME_ALL, route.path, route.method.toUpperCase())
      }
    }
    const methods = new Set(router.match('GET', path)[0].map(([method]) => method))
    if (methods.has('GET')) methods.add('HEAD')
    const rank = (m: string) => (ORDER.includes(m) ? ORDER.indexOf(m) : ORDER.length)
    return [...methods].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  }
}
