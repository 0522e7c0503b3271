import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The recorded models.dev catalog (fixtures/catalog/), served as models.dev serves `api.json`:
 * with an ETag, and 304 to a matching If-None-Match. `npm run dev` points CATALOG_URL here, and
 * the tests' fake providers answer with the same replies, so nothing local reaches the internet.
 */
const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/catalog/models-dev-api.json')

let cached: { body: string; etag: string } | undefined

function fixture(): { body: string; etag: string } {
  if (!cached) {
    const body = readFileSync(FIXTURE, 'utf8')
    cached = { body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"` }
  }
  return cached
}

export interface CatalogReply {
  status: 200 | 304
  body: string
  headers: Record<string, string>
}

/** The reply to a GET of the catalog, given the request's If-None-Match. */
export function catalogReply(ifNoneMatch: string | undefined): CatalogReply {
  const { body, etag } = fixture()
  if (ifNoneMatch === etag) return { status: 304, body: '', headers: { ETag: etag } }
  return { status: 200, body, headers: { ETag: etag, 'Content-Type': 'application/json' } }
}

/** A local server answering `GET /api.json` with the fixture; resolves to its URL and a close. */
export async function startCatalogServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/api.json') {
      res.writeHead(404, { 'Content-Type': 'application/json' })
      return res.end(JSON.stringify({ error: 'only GET /api.json is served here' }))
    }
    const reply = catalogReply(req.headers['if-none-match'])
    res.writeHead(reply.status, reply.headers)
    res.end(reply.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/api.json`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
