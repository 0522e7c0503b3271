import { catalogMatches } from '../catalog/matches'
import { snapshotContentHash } from '../kv/content-hash'
import {
  SnapshotStore,
  type SnapshotStoreOptions,
  type StoredMeta,
  type WriteDecision,
  currentLayout,
} from '../kv/snapshot-store'
import type { Snapshot, SnapshotMeta } from '../published/types'
import { sha256Hex } from '../secrets'
import type { CycleMetrics } from '../views/metrics'
import { type MergedEntry, mergedEntries } from '../views/models'
import { type RenderedSnapshot, renderSnapshot } from '../views/render'

/** Backends per shard, on average; shard cuts are chosen by backend id (see chunkStarts). */
export const BACKENDS_PER_SHARD = 100
/** KV values hold at most 25 MiB; shards stay far below it whatever their backends hold. */
export const MAX_SHARD_BYTES = 4 * 1024 * 1024
/** A view past this is not stored: reads merge the shards instead, or say the view is too large. */
export const MAX_VIEW_BYTES = 16 * 1024 * 1024

/** How a version is cut into stored values; tests make shards and views small. */
export interface SnapshotLayout {
  backendsPerShard?: number
  maxShardBytes?: number
  maxViewBytes?: number
  maxProviderChunks?: number
}

export type SnapshotPublisherOptions = SnapshotLayout & SnapshotStoreOptions

export interface PublishOptions {
  now: Date
  heartbeatSeconds: number
  /** The cycle publishing it, for /metrics. */
  cycle?: CycleMetrics
}

/**
 * Publishes the snapshot: decides whether a version is due (its content changed, or the heartbeat
 * is), renders it to bytes (views/render.ts) and hands them to the store (kv/snapshot-store.ts),
 * which only stores.
 */
export class SnapshotPublisher {
  private readonly store: SnapshotStore

  constructor(
    kv: KVNamespace,
    private readonly options: SnapshotPublisherOptions = {},
  ) {
    this.store = new SnapshotStore(kv, options)
  }

  readMeta(): Promise<StoredMeta | null> {
    return this.store.readMeta()
  }

  /** A new version when the content changed or the heartbeat is due; otherwise nothing is written. */
  async publish(snapshot: Snapshot, previous: StoredMeta | null, options: PublishOptions): Promise<WriteDecision> {
    const contentHash = await snapshotContentHash(snapshot)
    const current = currentLayout(previous)
    const age = previous ? options.now.getTime() - Date.parse(previous.writtenAt) : Infinity
    if (current?.contentHash === contentHash && age < options.heartbeatSeconds * 1000) {
      return { written: false, kvWrites: 0, meta: current }
    }
    const writtenAt = options.now.toISOString()
    const etag = (await sha256Hex(`${contentHash}:${writtenAt}`)).slice(0, 32)
    const merged = mergedEntries(snapshot.backends)
    const modelList = await modelListOf(merged, current, writtenAt)
    const rendered = this.render(snapshot, { etag, merged, modelList, cycle: options.cycle ?? firstCycle(writtenAt) })
    return this.store.write(
      {
        contentHash,
        etag,
        writtenAt,
        backendCount: snapshot.backends.length,
        modelList,
        catalogMatches: catalogMatches(snapshot.backends),
        values: { ...rendered, shards: rendered.shards.map((s) => ({ bytes: s.bytes, count: s.states.length })) },
      },
      previous,
    )
  }

  private render(
    snapshot: Snapshot,
    version: { etag: string; merged: MergedEntry[]; modelList: { since: string }; cycle: CycleMetrics },
  ): RenderedSnapshot {
    return renderSnapshot(snapshot, {
      version: version.etag,
      modelsCreated: new Date(version.modelList.since),
      merged: version.merged,
      backendsPerShard: this.options.backendsPerShard ?? BACKENDS_PER_SHARD,
      maxShardBytes: this.options.maxShardBytes ?? MAX_SHARD_BYTES,
      maxViewBytes: this.options.maxViewBytes ?? MAX_VIEW_BYTES,
      maxProviderChunks: this.options.maxProviderChunks,
      cycle: version.cycle,
    })
  }
}

/**
 * `created` in /v1/models is when this model list was first published: kept while the list is, so
 * that the list's stored bytes do not change with each version.
 */
async function modelListOf(
  merged: MergedEntry[],
  current: SnapshotMeta | null,
  writtenAt: string,
): Promise<NonNullable<SnapshotMeta['modelList']>> {
  const hash = (await sha256Hex(JSON.stringify(merged))).slice(0, 32)
  return current?.modelList?.hash === hash ? current.modelList : { hash, since: writtenAt }
}

/** The figures of a version published outside a cycle (tests, scripts). */
function firstCycle(writtenAt: string): CycleMetrics {
  return { startedAt: writtenAt, durationMs: 0, outcome: 'ok' }
}
