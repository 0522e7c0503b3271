import type { BackendRuntimeState, Snapshot, SnapshotMeta } from '../published/types'
import { sha256Hex } from '../secrets'
import { snapshotContentHash } from './content-hash'

const META_KEY = 'snapshot:meta'
const SHARD_PREFIX = 'snapshot:shard:'
/** Shards of one published version: a version's keys are never overwritten by a later one. */
const shardKey = (etag: string, index: number) => `${SHARD_PREFIX}${etag}:${index}`
/** KV bulk reads take at most 100 keys. */
const BULK_LIMIT = 100
/**
 * Backends per KV value. A value holds at most 25 MiB; a backend with a few hundred models is
 * well under 100 KiB, so 100 per shard keeps every value far below the limit.
 */
export const BACKENDS_PER_SHARD = 100

interface Shard {
  etag: string
  backends: BackendRuntimeState[]
}

/** Written with each shard key, so the sweep can tell a version's age from the key listing. */
interface ShardKeyMetadata {
  writtenAt: string
}

export interface WriteDecision {
  written: boolean
  kvWrites: number
  meta: SnapshotMeta | null
}

export interface SnapshotRead {
  meta: SnapshotMeta | null
  /** The backends of every shard that belongs to `meta`; all of them when `complete`. */
  snapshot: Snapshot
  /**
   * False when a shard `meta` names is missing or belongs to another version (KV's edge cache can
   * serve a newer meta with older shards for about a minute). Such a snapshot must not be served
   * under `meta.etag`; the cycle may still use what was found as its previous snapshot.
   */
  complete: boolean
}

/**
 * The published snapshot in KV, split into shards so a large fleet fits; readers do not care how
 * many shards there are. Writes happen only when the content changed or the heartbeat is due,
 * so a quiet fleet costs no KV writes. No key carries a TTL: the last good snapshot outlives a
 * database outage of any length.
 */
export class SnapshotStore {
  private readonly backendsPerShard: number

  constructor(
    private readonly kv: KVNamespace,
    options: { backendsPerShard?: number } = {},
  ) {
    this.backendsPerShard = options.backendsPerShard ?? BACKENDS_PER_SHARD
  }

  async readMeta(): Promise<SnapshotMeta | null> {
    return this.kv.get<SnapshotMeta>(META_KEY, 'json')
  }

  /** Reads the shards `meta` names (the stored meta when not given), in bulk reads of at most 100 keys. */
  async read(meta?: SnapshotMeta | null): Promise<SnapshotRead> {
    const current = meta === undefined ? await this.readMeta() : meta
    if (!current || current.shardCount === 0) return { meta: current, snapshot: { backends: [] }, complete: true }
    const keys = Array.from({ length: current.shardCount }, (_, i) => shardKey(current.etag, i))
    const backends: BackendRuntimeState[] = []
    let complete = true
    for (let i = 0; i < keys.length; i += BULK_LIMIT) {
      const chunk = keys.slice(i, i + BULK_LIMIT)
      const shards = await this.kv.get<Shard>(chunk, 'json')
      for (const key of chunk) {
        const shard = shards.get(key)
        if (shard?.etag === current.etag) backends.push(...shard.backends)
        else complete = false
      }
    }
    return { meta: current, snapshot: { backends }, complete }
  }

  /**
   * Publishes a new version: its shards under new keys, then the meta naming it and the version it
   * replaces, then a sweep of every older version's shards (the previous version's stay, for
   * readers whose cached meta is up to one version old).
   */
  async write(
    snapshot: Snapshot,
    previous: SnapshotMeta | null,
    options: { now: Date; heartbeatSeconds: number },
  ): Promise<WriteDecision> {
    const contentHash = await snapshotContentHash(snapshot)
    const age = previous ? options.now.getTime() - Date.parse(previous.writtenAt) : Infinity
    if (previous?.contentHash === contentHash && age < options.heartbeatSeconds * 1000) {
      return { written: false, kvWrites: 0, meta: previous }
    }
    const writtenAt = options.now.toISOString()
    const etag = (await sha256Hex(`${contentHash}:${writtenAt}`)).slice(0, 32)
    const shardCount = Math.ceil(snapshot.backends.length / this.backendsPerShard)
    for (let i = 0; i < shardCount; i++) {
      const backends = snapshot.backends.slice(i * this.backendsPerShard, (i + 1) * this.backendsPerShard)
      await this.kv.put(shardKey(etag, i), JSON.stringify({ etag, backends } satisfies Shard), {
        metadata: { writtenAt } satisfies ShardKeyMetadata,
      })
    }
    const meta: SnapshotMeta = {
      schemaVersion: 1,
      contentHash,
      etag,
      writtenAt,
      shardCount,
      backendCount: snapshot.backends.length,
    }
    await this.kv.put(META_KEY, JSON.stringify(meta))
    const deleted = await this.sweep(meta, previous)
    return { written: true, kvWrites: shardCount + 1 + deleted, meta }
  }

  /**
   * Deletes the shards of every version older than `previous`, found by listing rather than by
   * name, so shards orphaned by an interrupted write or a stale `previous` go too. Shards written
   * after `previous` (a version this writer did not see) are left for the next write.
   */
  private async sweep(current: SnapshotMeta, previous: SnapshotMeta | null): Promise<number> {
    const keep = new Set([current.etag, previous?.etag])
    // Without a previous meta nothing is known to be older: unknown versions wait for the next write.
    const previousAt = previous ? Date.parse(previous.writtenAt) : -Infinity
    let deleted = 0
    let cursor: string | undefined
    do {
      const page = await this.kv.list<ShardKeyMetadata>({ prefix: SHARD_PREFIX, cursor })
      for (const key of page.keys) {
        const rest = key.name.slice(SHARD_PREFIX.length)
        const version = rest.slice(0, rest.lastIndexOf(':'))
        const stale = !keep.has(version) && !(Date.parse(key.metadata?.writtenAt ?? '') > previousAt)
        if (!stale) continue
        await this.kv.delete(key.name)
        deleted++
      }
      cursor = page.list_complete ? undefined : page.cursor
    } while (cursor)
    return deleted
  }
}
