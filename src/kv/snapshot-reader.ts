import { LRUCache } from 'lru-cache'
import type { SnapshotMeta } from '../published/types'
import { type ArrayView, type ArrayViewHeader, type Bytes, decodeArrayView } from './array-view'
import { type MovingView, decodeMoving } from './moving-view'

/**
 * A value the published meta names is not in KV (yet): KV's edge cache can serve a new meta a
 * little before the values it names, or the meta is from before the current layout and the next
 * cycle replaces it. Temporary: readers are told to retry.
 */
export class SnapshotUnavailableError extends Error {
  static readonly publicMessage = 'the snapshot is being republished; retry shortly'
  /** KV's edge cache catches up within about a minute; a retry a few seconds on usually succeeds. */
  static readonly retryAfterSeconds = '5'

  constructor(detail: string) {
    super(`${SnapshotUnavailableError.publicMessage} (${detail})`)
    this.name = 'SnapshotUnavailableError'
  }
}

/**
 * What one isolate keeps between requests. Stored values are named by a hash of their bytes, so a
 * kept value is right for every version that names it and never needs invalidating; only the
 * meta says which version is current, and it is kept for `metaMaxAgeMs` at most. A version's
 * moving values, and what is built from them, are kept under that version's etag.
 */
export const ISOLATE_CACHE_BYTES = 8 * 1024 * 1024

interface Kept {
  value: unknown
  size: number
}

const kept = new LRUCache<string, Kept>({
  maxSize: ISOLATE_CACHE_BYTES,
  sizeCalculation: (entry) => Math.max(1, entry.size),
})

/** The one key that is rewritten in place: it names the current version. */
export const META_KEY = 'snapshot:meta'

const MAX_KEPT_BODY_BYTES = 2 * 1024 * 1024

let knownMeta: { meta: SnapshotMeta | null; readAt: number } | undefined

/** Called by the publishing cycle: readers in this isolate see the new version at once. */
export function rememberPublished(meta: SnapshotMeta): void {
  knownMeta = { meta, readAt: Date.now() }
}

export interface SnapshotReaderOptions {
  /** How long a meta read from KV answers for this isolate; 0: read it on every request. */
  metaMaxAgeMs: number
  now?: () => number
  /** The largest answer kept whole in memory; past it, answers are streamed. */
  keepBytes?: number
}

/** Reads the published snapshot through the isolate's copy. */
export class SnapshotReader {
  private readonly now: () => number

  constructor(
    private readonly kv: KVNamespace,
    private readonly options: SnapshotReaderOptions,
  ) {
    this.now = options.now ?? Date.now
  }

  /** The current version's meta: from memory while it is fresh, else one small KV read. */
  async meta(options: { fresh?: boolean } = {}): Promise<SnapshotMeta | null> {
    const age = knownMeta ? this.now() - knownMeta.readAt : Infinity
    if (!options.fresh && knownMeta && age < this.options.metaMaxAgeMs) return knownMeta.meta
    return this.readMeta()
  }

  private async readMeta(): Promise<SnapshotMeta | null> {
    const stored = await this.kv.get<{ schemaVersion: number; moving?: unknown }>(META_KEY, 'json')
    if (stored && (stored.schemaVersion !== 2 || stored.moving === undefined)) {
      const layout = stored.schemaVersion !== 2 ? `layout ${stored.schemaVersion}` : 'layout without moving values'
      throw new SnapshotUnavailableError(`stored ${layout} awaits the next cycle`)
    }
    const meta = stored as SnapshotMeta | null
    knownMeta = { meta, readAt: this.now() }
    return meta
  }

  /** A stored array view; kept in memory unless `keep` is false (a read that would only churn the cache). */
  async view<H extends ArrayViewHeader = ArrayViewHeader>(key: string, keep = true): Promise<ArrayView<H>> {
    return this.load(key, keep, async () => {
      const bytes = await this.kv.get(key, 'arrayBuffer')
      if (!bytes) return undefined
      const view = decodeArrayView<H>(new Uint8Array(bytes))
      return { value: view, size: view.bytes }
    })
  }

  /** Stored bytes, sent as they are. */
  async bytes(key: string, keep = true): Promise<Bytes> {
    return this.load(key, keep, async () => {
      const bytes = await this.kv.get(key, 'arrayBuffer')
      return bytes ? { value: new Uint8Array(bytes), size: bytes.byteLength } : undefined
    })
  }

  /**
   * The version's moving values. Their slot is rewritten in place by the version after next, and
   * KV may serve a location the slot's older value for a while: one written by another version is
   * a 503, never filled into this version's templates.
   */
  async moving<C = unknown>(meta: SnapshotMeta): Promise<MovingView<C>> {
    const slot = meta.moving
    if (!slot) throw new SnapshotUnavailableError('stored layout without moving values awaits the next cycle')
    return this.load(`${slot.key}@${meta.etag}`, true, async () => {
      const bytes = await this.kv.get(slot.key, 'arrayBuffer')
      if (!bytes) return undefined
      const view = decodeMoving<C>(new Uint8Array(bytes))
      if (view.header.version !== meta.etag) {
        throw new SnapshotUnavailableError(`${slot.key} holds version ${view.header.version}, not ${meta.etag}`)
      }
      // Parsed records take a few times their bytes.
      return { value: view, size: view.bytes * 3 }
    })
  }

  /** Something built once per version from stored values (`id` names the version), kept like them. */
  async derived<T>(id: string, build: () => Promise<{ value: T; size: number }>): Promise<T> {
    return this.load(id, true, build)
  }

  /** A stored JSON value, parsed once per isolate by `parse`. */
  async json<T>(key: string, parse: (value: unknown) => T): Promise<T> {
    return this.load(key, true, async () => {
      const text = await this.kv.get(key, 'text')
      // Parsed, a value takes a few times its text.
      return text === null ? undefined : { value: parse(JSON.parse(text)), size: text.length * 3 }
    })
  }

  /**
   * From memory, else from KV. Requests that miss at the same time each read: a read in flight is
   * never shared, because workerd drops the continuations of a promise whose request has ended, so
   * a request waiting on another's read would hang if that one were cancelled.
   */
  private async load<T>(key: string, keep: boolean, read: () => Promise<Kept | undefined>): Promise<T> {
    const found = kept.get(key)
    if (found) return found.value as T
    const loaded = await read()
    if (!loaded) throw new SnapshotUnavailableError(`${key} not found`)
    if (keep) kept.set(key, loaded)
    return loaded.value as T
  }

  /** A body rendered from stored values and kept by `keepBody` under `id` (which names the version). */
  keptBody(id: string): Bytes | undefined {
    return kept.get(id)?.value as Bytes | undefined
  }

  /** Keeps a small rendered body; a large one is rebuilt on each read rather than crowd out the stored values. */
  keepBody(id: string, body: Bytes): Bytes {
    if (body.length <= MAX_KEPT_BODY_BYTES) kept.set(id, { value: body, size: body.length })
    return body
  }

  /** Whether an answer of `bytes` may be held whole: at most half of what the isolate keeps. */
  keepable(bytes: number): boolean {
    return bytes <= (this.options.keepBytes ?? ISOLATE_CACHE_BYTES / 2)
  }
}
