import type { DetailCache } from '../providers/types'

/** KV bulk reads take at most 100 keys. */
const BULK_LIMIT = 100
/** Entries are immutable; the TTL only lets those of models long gone disappear. */
const TTL_SECONDS = 30 * 24 * 3600

/** A provider's immutable per-model facts in KV, under `detail:<type>:<key>`. */
export class KvDetailCache implements DetailCache {
  /** KV writes made, for the cycle's summary. */
  writes = 0

  constructor(
    private readonly kv: KVNamespace,
    private readonly type: string,
  ) {}

  private keyOf(key: string): string {
    return `detail:${this.type}:${key}`
  }

  async getMany(keys: string[]): Promise<Map<string, unknown>> {
    const found = new Map<string, unknown>()
    for (let i = 0; i < keys.length; i += BULK_LIMIT) {
      const chunk = keys.slice(i, i + BULK_LIMIT)
      const values = await this.kv.get(
        chunk.map((k) => this.keyOf(k)),
        'json',
      )
      for (const key of chunk) {
        const value = values.get(this.keyOf(key))
        if (value !== null && value !== undefined) found.set(key, value)
      }
    }
    return found
  }

  async put(key: string, value: unknown): Promise<void> {
    await this.kv.put(this.keyOf(key), JSON.stringify(value), { expirationTtl: TTL_SECONDS })
    this.writes++
  }
}
