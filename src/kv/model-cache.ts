import type { ObservedModel } from '../providers/types'

const PREFIX = 'prov:'
/**
 * The cache generation: a clear moves it on, and entries written under an older one are not
 * served. It lies outside `prov:<backendId>`, so no backend id (DELETE /cache/:backendId takes any
 * text) can delete it and bring cleared lists back.
 */
export const GENERATION_KEY = 'prov-generation'
/** KV bulk reads take at most 100 keys, and count as one operation however many they take. */
const BULK_LIMIT = 100
/** KV refuses an expirationTtl below 60 s. */
const MIN_TTL_S = 60
/** ±10 %: entries written in one cycle then expire over a spread of cycles, not all in one. */
const TTL_JITTER = 0.1

/**
 * A cloud backend's model list, cached so a cycle does not call paid listing APIs every time.
 * It holds a fingerprint of credential + base URL, never the credential itself.
 */
export interface CachedModelList {
  /** 2: its models carry what the listing states beyond the flat facts (`stated`, `ruled`); a 1 is not served. */
  schemaVersion: 2
  /** The generation it was written under. Absent in entries written before clears were generations: read as 0. */
  generation?: number
  fingerprint: string
  observedAt: string
  models: ObservedModel[]
  /**
   * The listing's warnings, served with the list so a cached backend stays degraded like the
   * fresh one was. Absent in entries written before it existed: read as none.
   */
  warnings?: string[]
}

export interface ModelCacheOptions {
  /** A number in [0, 1), as Math.random gives: the TTL jitter's source. */
  random?: () => number
}

export function modelCacheKey(backendId: string): string {
  return `${PREFIX}${backendId}`
}

/** The TTL of one entry: the setting ±10 %, never below KV's minimum. */
export function jitteredTtl(ttlSeconds: number, random: () => number): number {
  // Clamped so that a source outside [0, 1) cannot take the TTL past the jitter's bounds.
  const r = Math.min(1, Math.max(0, random()))
  return Math.max(MIN_TTL_S, Math.round(ttlSeconds * (1 + TTL_JITTER * (2 * r - 1))))
}

function asGeneration(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0
}

export class ModelCache {
  private readonly random: () => number
  /** The generation the last getMany or clear saw; put stamps entries with it. */
  private generation = 0

  constructor(
    private readonly kv: KVNamespace,
    private readonly ttlSeconds: number,
    options: ModelCacheOptions = {},
  ) {
    this.random = options.random ?? Math.random
  }

  /**
   * Reads many entries in bulk operations (which do not count against the connection limit),
   * leaving out those of an older generation. The generation rides in the first bulk read, so it
   * costs no operation of its own.
   */
  async getMany(backendIds: string[]): Promise<Map<string, CachedModelList>> {
    const found = new Map<string, CachedModelList>()
    if (backendIds.length === 0) return found
    const keys = [GENERATION_KEY, ...backendIds.map(modelCacheKey)]
    const values = new Map<string, unknown>()
    for (let i = 0; i < keys.length; i += BULK_LIMIT) {
      for (const [key, value] of await this.kv.get(keys.slice(i, i + BULK_LIMIT), 'json')) values.set(key, value)
    }
    this.generation = asGeneration(values.get(GENERATION_KEY))
    for (const id of backendIds) {
      const value = values.get(modelCacheKey(id)) as CachedModelList | null | undefined
      if (value?.schemaVersion === 2 && asGeneration(value.generation) >= this.generation) found.set(id, value)
    }
    return found
  }

  /** A usable entry: same fingerprint, and not an empty list (an empty list is never served). */
  static usable(entry: CachedModelList | undefined, fingerprint: string): entry is CachedModelList {
    return entry !== undefined && entry.fingerprint === fingerprint && entry.models.length > 0
  }

  /**
   * Writes an entry under the generation getMany read. On an instance that has read none it is
   * stamped 0, which any clear has retired: such an entry may go unserved, never outlive a clear.
   */
  async put(backendId: string, entry: Omit<CachedModelList, 'schemaVersion' | 'generation'>): Promise<void> {
    const value: CachedModelList = { schemaVersion: 2, ...entry, generation: this.generation }
    await this.kv.put(modelCacheKey(backendId), JSON.stringify(value), {
      expirationTtl: jitteredTtl(this.ttlSeconds, this.random),
    })
  }

  async invalidate(backendId: string): Promise<void> {
    await this.kv.delete(modelCacheKey(backendId))
  }

  /**
   * Retires every cached list with one read and one write, whatever their number: reads ignore
   * them from now on, and they expire by their TTL. Returns the new generation (1 for the first
   * clear, one more for each after it).
   */
  async clear(): Promise<number> {
    const next = asGeneration(await this.kv.get(GENERATION_KEY, 'json')) + 1
    await this.kv.put(GENERATION_KEY, JSON.stringify(next))
    this.generation = next
    return next
  }
}
