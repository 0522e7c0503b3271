import { catalogMatches } from '../catalog/matches'
import pMap from 'p-map'
import type { PublishedShard, Snapshot, SnapshotMeta } from '../published/types'
import { sha256Hex } from '../secrets'
import type { CycleMetrics } from '../views/metrics'
import { mergedEntries } from '../views/models'
import { type RenderedSnapshot, renderSnapshot } from '../views/render'
import type { Bytes } from './array-view'
import { snapshotContentHash } from './content-hash'
import { planRetirement, retiredValues } from './retirement'
import { META_KEY, rememberPublished } from './snapshot-reader'

const PREFIX = 'snapshot:'
/** Every value a version names lives under a key made of a hash of its bytes. */
const BLOB_PREFIX = 'snapshot:blob:'
/** The two slots the versions' moving values take in turn. */
export const MOVING_SLOTS = ['snapshot:moving:0', 'snapshot:moving:1'] as const
/** Backends per shard, on average; shard cuts are chosen by backend id (see chunkStarts). */
export const BACKENDS_PER_SHARD = 100
/** KV values hold at most 25 MiB; shards stay far below it whatever their backends hold. */
export const MAX_SHARD_BYTES = 4 * 1024 * 1024
/** A view past this is not stored: reads merge the shards instead, or say the view is too large. */
export const MAX_VIEW_BYTES = 16 * 1024 * 1024
/** Puts in flight at once while publishing: within the invocation's 6 connections, one left for the database. */
const WRITE_CONCURRENCY = 5

/** The meta written before views were rendered at publish; read only to replace it. */
interface LegacyMeta {
  schemaVersion: 1
  contentHash: string
  etag: string
  writtenAt: string
  shardCount: number
}

/** The meta written before templates: whole states in shards, a gzip per shard, views apart. */
interface ViewsMeta {
  writtenAt: string
  shards: { key: string; gzip?: { key: string } }[]
  views: Record<string, string | null | undefined>
}

export type StoredMeta = SnapshotMeta | LegacyMeta

/** Written with each value, so the sweep can tell how old an unreferenced one is. */
interface BlobMetadata {
  writtenAt: string
}

export interface WriteDecision {
  written: boolean
  /** Puts, deletes and lists. */
  kvWrites: number
  meta: SnapshotMeta | null
  /** Clean-up after the meta that failed: the version is out, and what it retires waits for a later one. */
  warning?: string
}

export interface SnapshotStoreOptions {
  backendsPerShard?: number
  maxShardBytes?: number
  maxViewBytes?: number
  maxProviderChunks?: number
  /** Tells this isolate's readers about a new version; tests stand in for another isolate with a no-op. */
  announce?: (meta: SnapshotMeta) => void
}

/** The values a rendered version names, each under a key made of its bytes. */
async function nameValues(rendered: RenderedSnapshot) {
  const blobs = new Map<string, Bytes>()
  const add = async (bytes: Bytes) => {
    const key = `${BLOB_PREFIX}${(await sha256Hex(bytes)).slice(0, 32)}`
    blobs.set(key, bytes)
    return key
  }
  const shards: PublishedShard[] = []
  for (const [i, shard] of rendered.shards.entries()) {
    const chunks = []
    for (const chunk of rendered.providers[i]!) chunks.push({ key: await add(chunk.bytes), summary: chunk.summary })
    shards.push({ key: await add(shard.bytes), count: shard.states.length, bytes: shard.bytes.length, chunks })
  }
  const views = {
    index: await add(rendered.index),
    models: rendered.models ? await add(rendered.models) : null,
    fleet: rendered.fleet ? await add(rendered.fleet) : null,
  }
  return { blobs, shards, views }
}

/** A meta of the current layout, which a version can build on; null for an older one. */
function currentLayout(meta: StoredMeta | null): SnapshotMeta | null {
  return meta?.schemaVersion === 2 && meta.moving !== undefined ? meta : null
}

/**
 * The published snapshot in KV: a small meta naming the version, the moving values of the version
 * (one value, rewritten by every version in one of two slots), and templates and views that hold
 * nothing that moves, each under a key made of its bytes (views/render.ts). A version writes only
 * the values whose bytes changed, then its moving values and the meta: a heartbeat, whose content
 * hash did not change, writes those two and nothing else; a change in one backend adds its shard,
 * its shard's /providers chunks and the views it touches. Values a version stops naming are deleted
 * by a later version that writes values, never by a heartbeat (see retirement.ts). No key carries
 * a TTL: the last good snapshot outlives a database outage of any length.
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
   * that KV does not hold yet, its moving values, the meta, then the deletes that are due.
   */
  async write(
    snapshot: Snapshot,
    previous: StoredMeta | null,
    options: { now: Date; heartbeatSeconds: number; cycle?: CycleMetrics },
  ): Promise<WriteDecision> {
    const contentHash = await snapshotContentHash(snapshot)
    const current = currentLayout(previous)
    const age = previous ? options.now.getTime() - Date.parse(previous.writtenAt) : Infinity
    if (current?.contentHash === contentHash && age < options.heartbeatSeconds * 1000) {
      return { written: false, kvWrites: 0, meta: current }
    }
    const writtenAt = options.now.toISOString()
    const etag = (await sha256Hex(`${contentHash}:${writtenAt}`)).slice(0, 32)
    // `created` in /v1/models is when this model list was first published: kept while the list
    // is, so that the list's stored bytes do not change with each version.
    const merged = mergedEntries(snapshot.backends)
    const listHash = (await sha256Hex(JSON.stringify(merged))).slice(0, 32)
    const modelList = current?.modelList?.hash === listHash ? current.modelList : { hash: listHash, since: writtenAt }
    const rendered = renderSnapshot(snapshot, {
      version: etag,
      modelsCreated: new Date(modelList.since),
      merged,
      backendsPerShard: this.options.backendsPerShard ?? BACKENDS_PER_SHARD,
      maxShardBytes: this.options.maxShardBytes ?? MAX_SHARD_BYTES,
      maxViewBytes: this.options.maxViewBytes ?? MAX_VIEW_BYTES,
      maxProviderChunks: this.options.maxProviderChunks,
      cycle: options.cycle ?? { startedAt: writtenAt, durationMs: 0, outcome: 'ok' },
    })
    const { blobs, shards, views } = await nameValues(rendered)
    const previousKeys = await this.keysOf(previous)
    const plan = planRetirement({
      named: new Set(blobs.keys()),
      previous: previousKeys,
      retired: current ? retiredValues(current.retired, current.writtenAt) : [],
      previousWrittenAt: previous?.writtenAt,
      sweptAt: current?.sweptAt,
      now: options.now,
    })
    const meta: SnapshotMeta = {
      schemaVersion: 2,
      contentHash,
      etag,
      writtenAt,
      backendCount: snapshot.backends.length,
      shardCount: shards.length,
      shards,
      // The slot the previous version does not name: readers one version behind keep theirs.
      moving: {
        key: current?.moving?.key === MOVING_SLOTS[0] ? MOVING_SLOTS[1] : MOVING_SLOTS[0],
        bytes: rendered.moving.length,
      },
      modelList,
      views,
      retired: plan.retired,
      ...(plan.sweptAt ? { sweptAt: plan.sweptAt } : {}),
      catalogMatches: catalogMatches(snapshot.backends),
    }
    const put = (key: string) => this.kv.put(key, blobs.get(key)!, { metadata: { writtenAt } satisfies BlobMetadata })
    await pMap(plan.fresh, put, { concurrency: WRITE_CONCURRENCY })
    await this.kv.put(meta.moving!.key, rendered.moving)
    await this.kv.put(META_KEY, JSON.stringify(meta))
    const announce = this.options.announce ?? rememberPublished
    announce(meta)
    const written = plan.fresh.length + 2
    // The version is published once the meta is: a failed clean-up only leaves values for the next
    // sweep, and must not make a published version look failed.
    try {
      await pMap(plan.deletable, (key) => this.kv.delete(key), { concurrency: WRITE_CONCURRENCY })
      const keep = new Set([...blobs.keys(), ...previousKeys, ...plan.retired.map((r) => r.key), ...plan.deletable])
      const swept = plan.sweep && previous ? await this.sweep(keep, previous) : 0
      return { written: true, kvWrites: written + plan.deletable.length + swept, meta }
    } catch (error) {
      const warning = `deleting retired snapshot values: ${error instanceof Error ? error.message : String(error)}`
      return { written: true, kvWrites: written, meta, warning }
    }
  }

  /** Every value a version names (a legacy version: its shards, its views and its chunks). */
  private async keysOf(meta: StoredMeta | null): Promise<Set<string>> {
    if (!meta) return new Set()
    if (meta.schemaVersion !== 2) {
      return new Set(Array.from({ length: meta.shardCount }, (_, i) => `${PREFIX}shard:${meta.etag}:${i}`))
    }
    if (meta.moving === undefined) return this.keysOfViewsLayout(meta as unknown as ViewsMeta)
    return new Set([
      ...meta.shards.flatMap((s) => [s.key, ...s.chunks.map((c) => c.key)]),
      ...Object.values(meta.views).filter((k): k is string => k !== null),
    ])
  }

  /** The layout before templates kept its /providers chunks in a directory of their own. */
  private async keysOfViewsLayout(meta: ViewsMeta): Promise<Set<string>> {
    const keys = new Set<string>()
    for (const shard of meta.shards) {
      keys.add(shard.key)
      if (shard.gzip) keys.add(shard.gzip.key)
    }
    for (const key of Object.values(meta.views)) if (key) keys.add(key)
    const providers = meta.views.providers
    const directory = providers ? await this.kv.get<{ shards: { key: string }[][] }>(providers, 'json') : null
    for (const chunk of directory?.shards.flat() ?? []) keys.add(chunk.key)
    return keys
  }

  /**
   * Lists the stored values and deletes those not in `keep` (this version's, the previous one's,
   * and the ones just deleted), so values orphaned by an interrupted write go too. A value written
   * after `previous` (by a write this one did not see) is left for the next sweep. Returns the
   * lists and deletes it made.
   */
  private async sweep(keep: Set<string>, previous: StoredMeta): Promise<number> {
    const previousAt = Date.parse(previous.writtenAt)
    const slots: ReadonlySet<string> = new Set([META_KEY, ...MOVING_SLOTS])
    let operations = 0
    let cursor: string | undefined
    do {
      const page = await this.kv.list<BlobMetadata>({ prefix: PREFIX, cursor })
      operations++
      for (const key of page.keys) {
        if (slots.has(key.name) || keep.has(key.name)) continue
        if (Date.parse(key.metadata?.writtenAt ?? '') > previousAt) continue
        await this.kv.delete(key.name)
        operations++
      }
      cursor = page.list_complete ? undefined : page.cursor
    } while (cursor)
    return operations
  }
}
