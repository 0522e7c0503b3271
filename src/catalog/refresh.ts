import { formatBytes, readCapped } from '../providers/read-body'
import { type LoadedCatalog, EMPTY_CATALOG } from './match'
import { CatalogFormatError, type CatalogProvider, parseCatalog } from './models-dev'
import {
  CATALOG_META_KEY,
  type CatalogMeta,
  catalogProviderKey,
  loadStoredCatalog,
  loadedFrom,
  readCatalogMeta,
} from './store'

/** What one cycle's look at the catalog did, as GET /runs shows it. */
export interface CatalogRefresh {
  /**
   * `off`: CATALOG_URL is empty. `fresh`: not due. `updated`/`unchanged`: fetched, and some
   * provider's models changed or none did. `not_modified`: the source answered 304. `failed`: the
   * last good catalog stays (see `error`).
   */
  outcome: 'off' | 'fresh' | 'updated' | 'unchanged' | 'not_modified' | 'failed'
  error?: string
  source?: string
  /** When the stored catalog was last given or confirmed by its source; null if never. */
  confirmedAt?: string | null
  ms?: number
}

export interface CatalogRefreshDeps {
  kv: KVNamespace
  fetch: typeof fetch
  now: () => Date
  settings: { CATALOG_URL: string; CATALOG_REFRESH_S: number; MAX_RESPONSE_BYTES: number }
  /** The catalog providers to keep: those the backend types map to, and any a declared catalogId names. */
  wanted: readonly string[]
}

/** A fetch of the catalog gives up after this long; the probes never wait for it. */
export const CATALOG_TIMEOUT_MS = 30_000
/** After a failed refresh the next try comes this much sooner than CATALOG_REFRESH_S, at the latest. */
const RETRY_AFTER_FAILURE_S = 3600

/**
 * Refreshes the catalog when it is due, and gives the catalog the publish step resolves facts
 * with. Never throws: any failure keeps the last good catalog and is recorded in the meta (and
 * so in /catalog/status and /metrics) and in the returned refresh.
 */
export async function refreshCatalog(
  deps: CatalogRefreshDeps,
): Promise<{ refresh: CatalogRefresh; catalog: LoadedCatalog }> {
  const source = deps.settings.CATALOG_URL
  if (!source) return { refresh: { outcome: 'off' }, catalog: EMPTY_CATALOG }
  const started = deps.now()
  let meta: CatalogMeta | null
  try {
    meta = await readCatalogMeta(deps.kv)
  } catch (error) {
    // Without the meta, writing one would forget the stored catalog: report, write nothing.
    const message = `reading the stored catalog: ${error instanceof Error ? error.message : String(error)}`
    return { refresh: { outcome: 'failed', error: message, source }, catalog: EMPTY_CATALOG }
  }
  try {
    if (!isDue(meta, deps, started)) {
      return {
        refresh: { outcome: 'fresh', source, confirmedAt: meta!.confirmedAt },
        catalog: await loadStoredCatalog(deps.kv, meta),
      }
    }
    const fetched = await fetchCatalog(deps, meta?.source === source && hasAll(meta, deps.wanted) ? meta.etag : null)
    const at = deps.now().toISOString()
    if (fetched === 'not_modified') {
      const next: CatalogMeta = { ...meta!, checkedAt: at, confirmedAt: at, error: null }
      await deps.kv.put(CATALOG_META_KEY, JSON.stringify(next))
      return {
        refresh: { outcome: 'not_modified', source, confirmedAt: at, ms: elapsed(deps, started) },
        catalog: await loadStoredCatalog(deps.kv, next),
      }
    }
    const { meta: next, changed } = await store(deps, meta, fetched.providers, fetched.etag, at)
    return {
      refresh: { outcome: changed ? 'updated' : 'unchanged', source, confirmedAt: at, ms: elapsed(deps, started) },
      catalog: loadedFrom(fetched.providers, next),
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return failed(deps, meta, source, message, started)
  }
}

function isDue(meta: CatalogMeta | null, deps: CatalogRefreshDeps, now: Date): boolean {
  if (!meta || meta.source !== deps.settings.CATALOG_URL || !hasAll(meta, deps.wanted)) return true
  const interval = meta.error
    ? Math.min(deps.settings.CATALOG_REFRESH_S, RETRY_AFTER_FAILURE_S)
    : deps.settings.CATALOG_REFRESH_S
  return now.getTime() - Date.parse(meta.checkedAt) >= interval * 1000
}

/** Whether the stored catalog was fetched for every wanted provider (a declared catalogId may name a new one). */
function hasAll(meta: CatalogMeta, wanted: readonly string[]): boolean {
  const asked = new Set(meta.asked)
  return wanted.every((id) => asked.has(id))
}

async function fetchCatalog(
  deps: CatalogRefreshDeps,
  etag: string | null,
): Promise<'not_modified' | { providers: CatalogProvider[]; etag: string | null }> {
  const url = deps.settings.CATALOG_URL
  const signal = AbortSignal.timeout(CATALOG_TIMEOUT_MS)
  let response: Response
  try {
    response = await deps.fetch(url, {
      headers: { Accept: 'application/json', ...(etag ? { 'If-None-Match': etag } : {}) },
      redirect: 'manual',
      signal,
    })
  } catch (error) {
    throw new Error(`the catalog at ${url} did not answer: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (response.status === 304 && etag) {
    await response.body?.cancel()
    return 'not_modified'
  }
  if (response.status !== 200) {
    await response.body?.cancel()
    throw new Error(`the catalog at ${url} answered ${response.status} ${response.statusText}`.trim())
  }
  const limit = deps.settings.MAX_RESPONSE_BYTES
  const body = await readCapped(response, limit, signal)
  if (body.overLimit) throw new Error(`the catalog at ${url} is larger than ${formatBytes(limit)} (MAX_RESPONSE_BYTES)`)
  let json: unknown
  try {
    json = JSON.parse(body.text)
  } catch {
    throw new Error(`the catalog at ${url} is not JSON`)
  }
  try {
    return { providers: parseCatalog(json, deps.wanted), etag: response.headers.get('ETag') }
  } catch (error) {
    if (error instanceof CatalogFormatError) throw new Error(`the catalog at ${url} is malformed: ${error.message}`)
    throw error
  }
}

/** Writes the providers whose models changed (one KV write each) and the meta. */
async function store(
  deps: CatalogRefreshDeps,
  previous: CatalogMeta | null,
  providers: CatalogProvider[],
  etag: string | null,
  at: string,
): Promise<{ meta: CatalogMeta; changed: boolean }> {
  const source = deps.settings.CATALOG_URL
  const sameSource = previous?.source === source
  const stored: CatalogMeta['providers'] = {}
  let changed = false
  for (const provider of providers) {
    const hash = await sha256(JSON.stringify(provider.models))
    const before = sameSource ? previous?.providers[provider.id] : undefined
    const date = before?.hash === hash ? before.date : at
    stored[provider.id] = { models: Object.keys(provider.models).length, hash, date }
    if (before?.hash === hash) continue
    changed = true
    await deps.kv.put(
      catalogProviderKey(provider.id),
      JSON.stringify({ id: provider.id, source, date, models: provider.models }),
    )
  }
  const gone = Object.keys(previous?.providers ?? {}).filter((id) => !(id in stored))
  if (gone.length > 0) changed = true
  const meta: CatalogMeta = {
    source,
    etag,
    checkedAt: at,
    confirmedAt: at,
    error: null,
    providers: stored,
    asked: [...deps.wanted].sort(),
  }
  await deps.kv.put(CATALOG_META_KEY, JSON.stringify(meta))
  for (const id of gone) await deps.kv.delete(catalogProviderKey(id))
  return { meta, changed }
}

async function failed(
  deps: CatalogRefreshDeps,
  meta: CatalogMeta | null,
  source: string,
  message: string,
  started: Date,
): Promise<{ refresh: CatalogRefresh; catalog: LoadedCatalog }> {
  const at = deps.now().toISOString()
  // The last good catalog stays only if it came from this source: a new CATALOG_URL starts afresh.
  const kept = meta?.source === source ? meta : null
  const next: CatalogMeta = kept
    ? { ...kept, checkedAt: at, error: message }
    : { source, etag: null, checkedAt: at, confirmedAt: null, error: message, providers: {}, asked: [] }
  let catalog: LoadedCatalog = EMPTY_CATALOG
  try {
    await deps.kv.put(CATALOG_META_KEY, JSON.stringify(next))
    catalog = await loadStoredCatalog(deps.kv, kept)
  } catch (error) {
    message += `; and recording that failed too: ${error instanceof Error ? error.message : String(error)}`
  }
  return {
    refresh: {
      outcome: 'failed',
      error: message,
      source,
      confirmedAt: kept?.confirmedAt ?? null,
      ms: elapsed(deps, started),
    },
    catalog,
  }
}

const elapsed = (deps: CatalogRefreshDeps, started: Date) => deps.now().getTime() - started.getTime()

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}
