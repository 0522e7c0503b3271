import { formatBytes, readCapped } from '../providers/read-body'
import { sha256Hex } from '../secrets'
import { type LoadedCatalog, EMPTY_CATALOG } from './match'
import { CatalogFormatError, type CatalogProvider, parseCatalog } from './models-dev'
import {
  CATALOG_META_KEY,
  type CatalogMeta,
  catalogProviderKey,
  catalogSource,
  loadStoredCatalog,
  loadedFrom,
  readCatalogMeta,
} from './store'

/** What one cycle's look at the catalog did, as GET /runs shows it. */
export interface CatalogRefresh {
  /**
   * `fresh`: not due. `waiting`: the last refresh failed (see `error`), and the next try comes an
   * hour after it. `postponed`: due, but the cycle's time was too short; the next cycle asks.
   * `updated`/`unchanged`: fetched, and some provider's models changed or none did.
   * `not_modified`: the source answered 304. `failed`: the last good catalog stays (see `error`).
   */
  outcome: 'fresh' | 'waiting' | 'postponed' | 'updated' | 'unchanged' | 'not_modified' | 'failed'
  error?: string
  /** The source's origin and path (never its query). */
  source: string
  /** When the stored catalog was last given or confirmed by its source; null if never. */
  confirmedAt: string | null
  ms?: number
}

export interface CatalogRefreshDeps {
  kv: KVNamespace
  fetch: typeof fetch
  now: () => Date
  settings: { CATALOG_URL: string; CATALOG_REFRESH_S: number; MAX_RESPONSE_BYTES: number }
  /** The catalog providers to keep: those the backend types map to, and any a declared catalogId names. */
  wanted: readonly string[]
  /** Epoch ms by which the cycle must be publishing: a refresh that could run past it waits for the next cycle. */
  deadlineMs?: number
}

/**
 * The catalog to resolve facts with, or, when the catalog is on but what is stored cannot be read
 * (KV failing), why: publishing without it would drop every catalog value for a cycle.
 */
export type CatalogForPublish = { catalog: LoadedCatalog; warnings: string[] } | { unavailable: string }

/** What a refresh did, and how to get the catalog to publish with (read only by an invocation that publishes). */
export interface Refreshed {
  refresh: CatalogRefresh
  forPublish: () => Promise<CatalogForPublish>
}

/** A fetch of the catalog gives up after this long. */
export const CATALOG_TIMEOUT_MS = 30_000
/** After a failed refresh the next try comes this much sooner than CATALOG_REFRESH_S, at the latest. */
const RETRY_AFTER_FAILURE_S = 3600

/**
 * Refreshes the catalog when it is due and gives the catalog the publish step resolves facts
 * with. Never throws. A failed refresh keeps the last good catalog and is recorded in the meta
 * (so in /catalog/status and /metrics) and in the returned refresh.
 */
export async function refreshCatalog(deps: CatalogRefreshDeps): Promise<Refreshed> {
  const source = catalogSource(deps.settings.CATALOG_URL)
  const started = deps.now()
  let meta: CatalogMeta | null
  try {
    meta = await readCatalogMeta(deps.kv)
  } catch (error) {
    // Without the meta, writing one would forget the stored catalog: report, write nothing.
    const message = `reading the stored catalog: ${errorMessage(error)}`
    return {
      refresh: { outcome: 'failed', error: message, source, confirmedAt: null },
      forPublish: async () => ({ unavailable: message }),
    }
  }
  const kept = meta?.source === source ? meta : null
  const stored = () => storedForPublish(deps.kv, kept)
  if (!isDue(kept, deps, started)) {
    const { confirmedAt, error } = kept!
    const refresh: CatalogRefresh = error
      ? { outcome: 'waiting', error, source, confirmedAt }
      : { outcome: 'fresh', source, confirmedAt }
    return { refresh, forPublish: stored }
  }
  if (deps.deadlineMs !== undefined && deps.deadlineMs - started.getTime() < CATALOG_TIMEOUT_MS) {
    return {
      refresh: { outcome: 'postponed', source, confirmedAt: kept?.confirmedAt ?? null },
      forPublish: stored,
    }
  }
  let fetched: Awaited<ReturnType<typeof fetchCatalog>>
  try {
    fetched = await fetchCatalog(deps, source, kept && coversWanted(kept, deps.wanted) ? kept.etag : null)
  } catch (error) {
    return failed(deps, kept, source, errorMessage(error), started)
  }
  const at = deps.now().toISOString()
  try {
    if (fetched === 'not_modified') {
      const next: CatalogMeta = { ...kept!, checkedAt: at, confirmedAt: at, error: null }
      await deps.kv.put(CATALOG_META_KEY, JSON.stringify(next))
      const refresh = { outcome: 'not_modified' as const, source, confirmedAt: at, ms: elapsed(deps, started) }
      return { refresh, forPublish: () => storedForPublish(deps.kv, next) }
    }
    const { meta: next, changed } = await store(deps, kept, source, fetched, at)
    return {
      refresh: { outcome: changed ? 'updated' : 'unchanged', source, confirmedAt: at, ms: elapsed(deps, started) },
      forPublish: async () => ({ catalog: loadedFrom(fetched.providers, next), warnings: [] }),
    }
  } catch (error) {
    return failed(deps, kept, source, `storing the catalog: ${errorMessage(error)}`, started)
  }
}

/**
 * Due when never fetched from this source, CATALOG_REFRESH_S after the last check, or an hour
 * after a failed one; and at once when a wanted provider was never asked for (a new catalogId),
 * unless the last try failed, which only the retry interval brings back.
 */
function isDue(meta: CatalogMeta | null, deps: CatalogRefreshDeps, now: Date): boolean {
  if (!meta) return true
  const since = now.getTime() - Date.parse(meta.checkedAt)
  if (meta.error) return since >= Math.min(deps.settings.CATALOG_REFRESH_S, RETRY_AFTER_FAILURE_S) * 1000
  return !coversWanted(meta, deps.wanted) || since >= deps.settings.CATALOG_REFRESH_S * 1000
}

function coversWanted(meta: CatalogMeta, wanted: readonly string[]): boolean {
  const asked = new Set(meta.asked)
  return wanted.every((id) => asked.has(id))
}

async function fetchCatalog(
  deps: CatalogRefreshDeps,
  source: string,
  etag: string | null,
): Promise<'not_modified' | { providers: CatalogProvider[]; etag: string | null }> {
  const signal = AbortSignal.timeout(CATALOG_TIMEOUT_MS)
  let response: Response
  try {
    response = await deps.fetch(deps.settings.CATALOG_URL, {
      headers: { Accept: 'application/json', ...(etag ? { 'If-None-Match': etag } : {}) },
      redirect: 'manual',
      signal,
    })
  } catch (error) {
    throw new Error(`the catalog at ${source} did not answer: ${errorMessage(error)}`)
  }
  if (response.status === 304 && etag) {
    await response.body?.cancel()
    return 'not_modified'
  }
  if (response.status !== 200) {
    await response.body?.cancel()
    throw new Error(`the catalog at ${source} answered ${response.status} ${response.statusText}`.trim())
  }
  const limit = deps.settings.MAX_RESPONSE_BYTES
  const body = await readCapped(response, limit, signal)
  if (body.overLimit)
    throw new Error(`the catalog at ${source} is larger than ${formatBytes(limit)} (MAX_RESPONSE_BYTES)`)
  let json: unknown
  try {
    json = JSON.parse(body.text)
  } catch {
    throw new Error(`the catalog at ${source} is not JSON`)
  }
  try {
    return { providers: parseCatalog(json, deps.wanted), etag: response.headers.get('ETag') }
  } catch (error) {
    if (error instanceof CatalogFormatError) throw new Error(`the catalog at ${source} is malformed: ${error.message}`)
    throw error
  }
}

/** Writes the providers whose models changed (one KV write each), the meta, then deletes providers no longer kept. */
async function store(
  deps: CatalogRefreshDeps,
  previous: CatalogMeta | null,
  source: string,
  fetched: { providers: CatalogProvider[]; etag: string | null },
  at: string,
): Promise<{ meta: CatalogMeta; changed: boolean }> {
  const entries: [string, CatalogMeta['providers'][string]][] = []
  let changed = false
  for (const provider of fetched.providers) {
    const hash = await sha256Hex(JSON.stringify(provider.models))
    const before =
      previous && Object.hasOwn(previous.providers, provider.id) ? previous.providers[provider.id] : undefined
    entries.push([
      provider.id,
      { models: Object.keys(provider.models).length, hash, date: before?.hash === hash ? before.date : at },
    ])
    if (before?.hash === hash) continue
    changed = true
    const value = { id: provider.id, source, date: at, models: provider.models }
    await deps.kv.put(catalogProviderKey(provider.id), JSON.stringify(value))
  }
  // Built as own properties, so that no provider id can stand for a prototype's.
  const providers = Object.fromEntries(entries)
  const gone = Object.keys(previous?.providers ?? {}).filter((id) => !Object.hasOwn(providers, id))
  const meta: CatalogMeta = {
    source,
    etag: fetched.etag,
    checkedAt: at,
    confirmedAt: at,
    error: null,
    providers,
    asked: [...deps.wanted].sort(),
  }
  await deps.kv.put(CATALOG_META_KEY, JSON.stringify(meta))
  for (const id of gone) await deps.kv.delete(catalogProviderKey(id))
  return { meta, changed: changed || gone.length > 0 }
}

async function failed(
  deps: CatalogRefreshDeps,
  kept: CatalogMeta | null,
  source: string,
  message: string,
  started: Date,
): Promise<Refreshed> {
  const at = deps.now().toISOString()
  const next: CatalogMeta = kept
    ? { ...kept, checkedAt: at, error: message }
    : { source, etag: null, checkedAt: at, confirmedAt: null, error: message, providers: {}, asked: [] }
  let error = message
  try {
    await deps.kv.put(CATALOG_META_KEY, JSON.stringify(next))
  } catch (putError) {
    error += `; and recording that failed too: ${errorMessage(putError)}`
  }
  const refresh = {
    outcome: 'failed' as const,
    error,
    source,
    confirmedAt: kept?.confirmedAt ?? null,
    ms: elapsed(deps, started),
  }
  return { refresh, forPublish: () => storedForPublish(deps.kv, kept) }
}

/** The stored catalog for the publish step; a provider the meta names that KV does not give back is a warning. */
async function storedForPublish(kv: KVNamespace, meta: CatalogMeta | null): Promise<CatalogForPublish> {
  try {
    const catalog = await loadStoredCatalog(kv, meta)
    const missing = Object.keys(meta?.providers ?? {}).filter((id) => !catalog.providers.has(id))
    const warnings =
      missing.length > 0
        ? [
            `the stored catalog of ${missing.join(', ')} is not readable yet: its models go without catalog values this cycle`,
          ]
        : []
    return { catalog, warnings }
  } catch (error) {
    return { unavailable: `reading the stored catalog: ${errorMessage(error)}` }
  }
}

/** The stored catalog, for a publish that did not refresh it (a fanned-out cycle's). */
export async function storedCatalog(kv: KVNamespace, url: string): Promise<CatalogForPublish> {
  if (!url) return { catalog: EMPTY_CATALOG, warnings: [] }
  try {
    const meta = await readCatalogMeta(kv)
    return await storedForPublish(kv, meta?.source === catalogSource(url) ? meta : null)
  } catch (error) {
    return { unavailable: `reading the stored catalog: ${errorMessage(error)}` }
  }
}

const elapsed = (deps: CatalogRefreshDeps, started: Date) => deps.now().getTime() - started.getTime()

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error))
