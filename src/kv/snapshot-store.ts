import pMap from 'p-map'
import type { PublishedShard, Snapshot, SnapshotMeta } from '../published/types'
import { sha256Hex } from '../secrets'
import type { CycleMetrics } from '../views/metrics'
import type { ProviderDirectory } from '../views/provider-index'
import { renderSnapshot } from '../views/render'
import { decodeArrayView } from './array-view'
import { snapshotContentHash } from './content-hash'
import { gzip } from './gzip'
import { META_KEY, rememberPublished } from './snapshot-reader'

const PREFIX = 'snapshot:'
/** Every value a version names lives under a key made of a hash of its bytes. */
const BLOB_PREFIX = 'snapshot:blob:'
/** Backends per shard, on average; shard cuts are chosen by backend id (see chunkStarts). */
export const BACKENDS_PER_SHARD = 100
/** KV values hold at most 25 MiB; shards stay far below it whatever their backends hold. */
export const MAX_SHARD_BYTES = 4 * 1024 * 1024
/** A model view past this is not stored: reads merge the shards instead. */
export const MAX_VIEW_BYTES = 16 * 1024 * 1024
/** Puts in flight at once while publishing. */
const WRITE_CONCURRENCY = 6

/** The meta written before views were rendered at publish; read only to replace it. */
interface LegacyMeta {
  schemaVersion: 1
  contentHash: string
  etag: string
  writtenAt: string
  shardCount: number
}

export type StoredMeta = SnapshotMeta | LegacyMeta

/** Written with each value, so the sweep can tell how old an unreferenced one is. */
interface BlobMetadata {
  writtenAt: string
}

export interface WriteDecision {
  written: boolean
  kvWrites: number
  meta: SnapshotMeta | null
}

export interface SnapshotStoreOptions {
  backendsPerShard?: number
  maxShardBytes?: number
  maxViewBytes?: number
  maxProviderChunks?: number
  /** Tells this isolate's readers about a new version; tests stand in for another isolate with a no-op. */
  announce?: (meta: SnapshotMeta) => void
}

const blobKey = async (bytes: Uint8Array) => `${BLOB_PREFIX}${(await sha256Hex(bytes)).slice(0, 32)}`

/**
 * The published snapshot in KV: a small meta naming the version, and the views a read returns,
 * rendered at publish (views/render.ts). Values are content-addressed, so a publish writes only
 * the values whose bytes changed: a change in one backend rewrites its shard, its shard's
 * /providers chunks, the views it touches and the meta. A quiet fleet costs no KV writes; a
 * heartbeat rewrites the shards (their timestamps moved) and the meta. No key carries a TTL: the
 * last good snapshot outlives a database outage of any length.
 */
export class SnapshotStore {
  constructor(
    private readonly kv: KVNamespace,
    private readonly options: SnapshotStoreOptions = {},
  ) {}

  async readMeta(): Promise<StoredMeta | null> {
    return this.kv.get<StoredMeta>(META_KEY, 'json')
  }

  /**
   * Publishes a new version when the content changed or the heartbeat is due: the values it names
   * that the previous version did not, then the meta, then a sweep of values neither names.
   */
  async write(
    snapshot: Snapshot,
    previous: StoredMeta | null,
    options: { now: Date; heartbeatSeconds: number; cycle?: CycleMetrics },
  ): Promise<WriteDecision> {
    const contentHash = await snapshotContentHash(snapshot)
    const age = previous ? options.now.getTime() - Date.parse(previous.writtenAt) : Infinity
    if (
      previous?.schemaVersion === 2 &&
      // A version from before a view was added is republished with it.
      previous.views.fleet !== undefined &&
      previous.contentHash === contentHash &&
      age < options.heartbeatSeconds * 1000
    ) {
      return { written: false, kvWrites: 0, meta: previous }
    }
    const writtenAt = options.now.toISOString()
    const etag = (await sha256Hex(`${contentHash}:${writtenAt}`)).slice(0, 32)
    const rendered = renderSnapshot(snapshot, {
      writtenAt: options.now,
      backendsPerShard: this.options.backendsPerShard ?? BACKENDS_PER_SHARD,
      maxShardBytes: this.options.maxShardBytes ?? MAX_SHARD_BYTES,
      maxViewBytes: this.options.maxViewBytes ?? MAX_VIEW_BYTES,
      maxProviderChunks: this.options.maxProviderChunks,
      cycle: options.cycle ?? { startedAt: writtenAt, durationMs: 0, outcome: 'ok' },
    })
    const blobs = new Map<string, Uint8Array>()
    const add = async (bytes: Uint8Array) => {
      const key = await blobKey(bytes)
      blobs.set(key, bytes)
      return key
    }
    // Between heartbeats a publish is for a change: a shard whose backends did not change is kept
    // as it is, so one backend's change rewrites one shard. A heartbeat rewrites them all, with
    // fresh timestamps.
    const heartbeat = age >= options.heartbeatSeconds * 1000
    const unchanged = new Map(
      previous?.schemaVersion === 2 && !heartbeat ? previous.shards.map((s) => [s.contentHash, s]) : [],
    )
    const previousDirectory = await this.directoryOf(previous)
    const shards: PublishedShard[] = []
    const directory: ProviderDirectory = { shards: [] }
    for (const [i, shard] of rendered.shards.entries()) {
      const shardHash = await snapshotContentHash({ backends: shard.states })
      const kept = unchanged.get(shardHash)
      const keptChunks = kept && previousDirectory?.shards[(previous as SnapshotMeta).shards.indexOf(kept)]
      if (kept?.count === shard.states.length && keptChunks) {
        // Its /providers chunks too: rendered again they would carry this cycle's timestamps.
        shards.push(kept)
        directory.shards.push(keptChunks)
        continue
      }
      const gzipped = await gzip(decodeArrayView(shard.bytes).body)
      shards.push({
        key: await add(shard.bytes),
        count: shard.states.length,
        bytes: shard.bytes.length,
        gzip: { key: await add(gzipped), bytes: gzipped.length },
        contentHash: shardHash,
      })
      const listed = []
      for (const chunk of rendered.providers[i]!) listed.push({ key: await add(chunk.bytes), summary: chunk.summary })
      directory.shards.push(listed)
    }
    const models = rendered.models ? await add(rendered.models) : null
    // `created` in /v1/models is when this model list was first published: a version with the
    // same models names the previous list, so a heartbeat does not rewrite it.
    const sameModels = previous?.schemaVersion === 2 && models !== null && previous.views.models === models
    const openAIModels = sameModels
      ? previous.views.openAIModels
      : rendered.openAIModels
        ? await add(rendered.openAIModels)
        : null
    const meta: SnapshotMeta = {
      schemaVersion: 2,
      contentHash,
      etag,
      writtenAt,
      backendCount: snapshot.backends.length,
      shardCount: shards.length,
      shards,
      views: {
        index: await add(rendered.index),
        models,
        openAIModels,
        providers: await add(new TextEncoder().encode(JSON.stringify(directory))),
        metrics: await add(rendered.metrics),
        fleet: rendered.fleet ? await add(rendered.fleet) : null,
      },
    }
    const previousKeys = this.keysOf(previous, previousDirectory)
    const fresh = [...blobs].filter(([key]) => !previousKeys.has(key))
    await pMap(fresh, ([key, bytes]) => this.kv.put(key, bytes, { metadata: { writtenAt } satisfies BlobMetadata }), {
      concurrency: WRITE_CONCURRENCY,
    })
    await this.kv.put(META_KEY, JSON.stringify(meta))
    const announce = this.options.announce ?? rememberPublished
    announce(meta)
    const deleted = await this.sweep(new Set([...blobs.keys(), ...previousKeys]), previous)
    return { written: true, kvWrites: fresh.length + 1 + deleted, meta }
  }

  /** A version's /providers directory; null for a legacy version, or one KV cannot give back. */
  private async directoryOf(meta: StoredMeta | null): Promise<ProviderDirectory | null> {
    if (meta?.schemaVersion !== 2) return null
    return this.kv.get<ProviderDirectory>(meta.views.providers, 'json')
  }

  /** Every key a version names (a legacy version: its shards). */
  private keysOf(meta: StoredMeta | null, directory: ProviderDirectory | null): Set<string> {
    if (!meta) return new Set()
    if (meta.schemaVersion !== 2) {
      return new Set(Array.from({ length: meta.shardCount }, (_, i) => `${PREFIX}shard:${meta.etag}:${i}`))
    }
    const keys = new Set([
      ...meta.shards.flatMap((s) => [s.key, s.gzip.key]),
      ...Object.values(meta.views).filter((k) => k !== null),
    ])
    for (const chunk of directory?.shards.flat() ?? []) keys.add(chunk.key)
    return keys
  }

  /**
   * Deletes the values no longer named by this version or the previous one (kept for readers whose
   * meta is one version old), found by listing, so values orphaned by an interrupted write go too.
   * A value written after `previous` (by a write this one did not see) is left for the next write.
   */
  private async sweep(keep: Set<string>, previous: StoredMeta | null): Promise<number> {
    // Without a previous meta nothing is known to be older: unknown values wait for the next write.
    const previousAt = previous ? Date.parse(previous.writtenAt) : -Infinity
    let deleted = 0
    let cursor: string | undefined
    do {
      const page = await this.kv.list<BlobMetadata>({ prefix: PREFIX, cursor })
      for (const key of page.keys) {
        if (key.name === META_KEY || keep.has(key.name)) continue
        if (Date.parse(key.metadata?.writtenAt ?? '') > previousAt) continue
        await this.kv.delete(key.name)
        deleted++
      }
      cursor = page.list_complete ? undefined : page.cursor
    } while (cursor)
    return deleted
  }
}
