import type { BackendRuntimeState, Snapshot } from '../reconcile/types'
import { sha256Hex } from '../secrets'

const META_KEY = 'snapshot:meta'
const shardKey = (index: number) => `snapshot:shard:${index}`
/**
 * Backends per KV value. A value holds at most 25 MiB; a backend with a few hundred models is
 * well under 100 KiB, so 100 per shard keeps every value far below the limit.
 */
export const BACKENDS_PER_SHARD = 100

/** Written last, so a reader that finds it finds the shards it names. */
export interface SnapshotMeta {
  schemaVersion: 1
  /** Hash of the content, without the fields every cycle rewrites (see snapshotContentHash). */
  contentHash: string
  /** Identifies exactly what readers get; the HTTP ETag. */
  etag: string
  writtenAt: string
  shardCount: number
  backendCount: number
}

interface Shard {
  etag: string
  backends: BackendRuntimeState[]
}

export interface WriteDecision {
  written: boolean
  kvWrites: number
  meta: SnapshotMeta | null
}

/**
 * The published snapshot in KV, split into shards so a large fleet fits; readers do not care how
 * many shards there are. Writes happen only when the content changed or the heartbeat is due,
 * so a quiet fleet costs no KV writes.
 */
export class SnapshotStore {
  constructor(private readonly kv: KVNamespace) {}

  async readMeta(): Promise<SnapshotMeta | null> {
    return this.kv.get<SnapshotMeta>(META_KEY, 'json')
  }

  async read(meta?: SnapshotMeta | null): Promise<{ meta: SnapshotMeta | null; snapshot: Snapshot }> {
    const current = meta === undefined ? await this.readMeta() : meta
    if (!current || current.shardCount === 0) return { meta: current, snapshot: { backends: [] } }
    const keys = Array.from({ length: current.shardCount }, (_, i) => shardKey(i))
    const shards = await this.kv.get<Shard>(keys, 'json')
    const backends = keys.flatMap((key) => shards.get(key)?.backends ?? [])
    return { meta: current, snapshot: { backends } }
  }

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
    const shardCount = Math.ceil(snapshot.backends.length / BACKENDS_PER_SHARD)
    for (let i = 0; i < shardCount; i++) {
      const backends = snapshot.backends.slice(i * BACKENDS_PER_SHARD, (i + 1) * BACKENDS_PER_SHARD)
      await this.kv.put(shardKey(i), JSON.stringify({ etag, backends } satisfies Shard))
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
    const stale = (previous?.shardCount ?? 0) - shardCount
    for (let i = shardCount; i < shardCount + Math.max(0, stale); i++) await this.kv.delete(shardKey(i))
    return { written: true, kvWrites: shardCount + 1 + Math.max(0, stale), meta }
  }
}

/**
 * "Changed" means anything but the timestamps and timings every cycle rewrites; those are
 * refreshed by the heartbeat, so `lastSuccessAt` of a backend that just failed may be up to one
 * heartbeat older than its true last success.
 */
export async function snapshotContentHash(snapshot: Snapshot): Promise<string> {
  const stable = snapshot.backends.map(({ checkedAt: _c, latencyMs: _l, lastSuccessAt: _s, ...rest }) => rest)
  return sha256Hex(JSON.stringify(stable))
}
