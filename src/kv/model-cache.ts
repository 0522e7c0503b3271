import type { ObservedModel } from '../providers/types'

const PREFIX = 'prov:'
/** KV bulk reads take at most 100 keys. */
const BULK_LIMIT = 100

/**
 * A cloud backend's model list, cached so a cycle does not call paid listing APIs every time.
 * It holds a fingerprint of credential + base URL, never the credential itself.
 */
export interface CachedModelList {
  schemaVersion: 1
  fingerprint: string
  observedAt: string
  models: ObservedModel[]
  /**
   * The listing's warnings, served with the list so a cached backend stays degraded like the
   * fresh one was. Absent in entries written before it existed: read as none.
   */
  warnings?: string[]
}

export function modelCacheKey(backendId: string): string {
  return `${PREFIX}${backendId}`
}

export class ModelCache {
  constructor(
    private readonly kv: KVNamespace,
    private readonly ttlSeconds: number,
  ) {}

  /** Reads many entries in bulk operations (which do not count against the connection limit). */
  async getMany(backendIds: string[]): Promise<Map<string, CachedModelList>> {
    const found = new Map<string, CachedModelList>()
    for (let i = 0; i < backendIds.length; i += BULK_LIMIT) {
      const ids = backendIds.slice(i, i + BULK_LIMIT)
      const values = await this.kv.get(ids.map(modelCacheKey), 'json')
      for (const id of ids) {
        const value = values.get(modelCacheKey(id)) as CachedModelList | null | undefined
        if (value?.schemaVersion === 1) found.set(id, value)
      }
    }
    return found
  }

  /** A usable entry: same fingerprint, and not an empty list (an empty list is never served). */
  static usable(entry: CachedModelList | undefined, fingerprint: string): entry is CachedModelList {
    return entry !== undefined && entry.fingerprint === fingerprint && entry.models.length > 0
  }

  async put(backendId: string, entry: Omit<CachedModelList, 'schemaVersion'>): Promise<void> {
    const value: CachedModelList = { schemaVersion: 1, ...entry }
    await this.kv.put(modelCacheKey(backendId), JSON.stringify(value), { expirationTtl: this.ttlSeconds })
  }

  async invalidate(backendId: string): Promise<void> {
    await this.kv.delete(modelCacheKey(backendId))
  }

  /** Deletes every cached list (other keys untouched); returns how many there were. */
  async clear(): Promise<number> {
    let cleared = 0
    let cursor: string | undefined
    do {
      const page = await this.kv.list({ prefix: PREFIX, cursor })
      for (const key of page.keys) await this.kv.delete(key.name)
      cleared += page.keys.length
      cursor = page.list_complete ? undefined : page.cursor
    } while (cursor)
    return cleared
  }
}
