import pMap from 'p-map'
import type { ProviderChunkSummary, PublishedShard, SnapshotMeta } from '../published/types'
import { sha256Hex } from '../secrets'
import type { Bytes } from './array-view'
import { type RetirementPlan, planRetirement, retiredValues } from './retirement'
import { META_KEY, rememberPublished } from './snapshot-reader'

const PREFIX = 'snapshot:'
/** Every value a version names lives under a key made of a hash of its bytes. */
const BLOB_PREFIX = 'snapshot:blob:'
/** The two slots the versions' moving values take in turn. */
export const MOVING_SLOTS = ['snapshot:moving:0', 'snapshot:moving:1'] as const
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
  /** Tells this isolate's readers about a new version; tests stand in for another isolate with a no-op. */
  announce?: (meta: SnapshotMeta) => void
}

/** A version's values, rendered to bytes (views/render.ts): what a read returns, less what moves. */
export interface VersionValues {
  /** The /state body as templates, cut into shards, with how many backends each holds. */
  shards: { bytes: Bytes; count: number }[]
  /** Per shard, its /providers chunks. */
  providers: { bytes: Bytes; summary: ProviderChunkSummary }[][]
  /** Backend ids in snapshot order. */
  index: Bytes
  /** The model lists, or null when too large to store. */
  models: Bytes | null
  /** The status pages' fleet, or null when too large to store. */
  fleet: Bytes | null
  /** The version's moving values: the one value every version writes. */
  moving: Bytes
}

/** A version as its publisher hands it over: what its meta records as given, and its values. */
export interface StoredVersion extends Pick<
  SnapshotMeta,
  'contentHash' | 'etag' | 'writtenAt' | 'backendCount' | 'catalogMatches'
> {
  modelList: NonNullable<SnapshotMeta['modelList']>
  values: VersionValues
}

type NamedValues = Awaited<ReturnType<typeof nameValues>>

/** The values a version names, each under a key made of its bytes. */
async function nameValues(rendered: VersionValues) {
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
    shards.push({ key: await add(shard.bytes), count: shard.count, bytes: shard.bytes.length, chunks })
  }
  const views = {
    index: await add(rendered.index),
    models: rendered.models ? await add(rendered.models) : null,
    fleet: rendered.fleet ? await add(rendered.fleet) : null,
  }
  return { blobs, shards, views }
}

/** A meta of the current layout, which a version can build on; null for an older one. */
export function currentLayout(meta: StoredMeta | null): SnapshotMeta | null {
  return meta?.schemaVersion === 2 && meta.moving !== undefined ? meta : null
}

/** Which values this version puts, which retired ones it deletes, and whether it sweeps. */
function retirementOf(named: NamedValues, previousKeys: Set<string>, previous: StoredMeta | null, writtenAt: string) {
  const current = currentLayout(previous)
  return planRetirement({
    named: new Set(named.blobs.keys()),
    previous: previousKeys,
    retired: current ? retiredValues(current.retired, current.writtenAt) : [],
    previousWrittenAt: previous?.writtenAt,
    sweptAt: current?.sweptAt,
    now: new Date(writtenAt),
  })
}

/** The meta naming the version: what its publisher gave, the keys of its values, what it retires. */
function versionMeta(
  version: StoredVersion,
  named: NamedValues,
  plan: RetirementPlan,
  previous: StoredMeta | null,
): SnapshotMeta & { moving: { key: string } } {
  return {
    schemaVersion: 2,
    contentHash: version.contentHash,
    etag: version.etag,
    writtenAt: version.writtenAt,
    backendCount: version.backendCount,
    shardCount: named.shards.length,
    shards: named.shards,
    // The slot the previous version does not name: readers one version behind keep theirs.
    moving: {
      key: currentLayout(previous)?.moving?.key === MOVING_SLOTS[0] ? MOVING_SLOTS[1] : MOVING_SLOTS[0],
      bytes: version.values.moving.length,
    },
    modelList: version.modelList,
    views: named.views,
    retired: plan.retired,
    ...(plan.sweptAt ? { sweptAt: plan.sweptAt } : {}),
    catalogMatches: version.catalogMatches,
  }
}

/**
 * The published snapshot in KV: a small meta naming the version, the moving values of the version
 * (one value, rewritten by every version in one of two slots), and templates and views that hold
 * nothing that moves, each under a key made of its bytes. The store only stores: the publisher
 * (reconcile/publish-snapshot.ts) decides when a version is due and renders it (views/render.ts).
 * A version writes only the values whose bytes changed, then its moving values and the meta: a
 * heartbeat, whose content hash did not change, writes those two and nothing else; a change in one
 * backend adds its shard, its shard's /providers chunks and the views it touches. Values a version
 * stops naming are deleted by a later version that writes values, never by a heartbeat (see
 * retirement.ts). No key carries a TTL: the last good snapshot outlives a database outage of any length.
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
   * Stores a version: the values it names that KV does not hold yet, its moving values and the
   * meta, then the deletes that are due.
   */
  async write(version: StoredVersion, previous: StoredMeta | null): Promise<WriteDecision> {
    const named = await nameValues(version.values)
    const previousKeys = await this.keysOf(previous)
    const plan = retirementOf(named, previousKeys, previous, version.writtenAt)
    const meta = versionMeta(version, named, plan, previous)
    await this.putVersion(meta, named.blobs, plan.fresh, version.values.moving)
    const written = plan.fresh.length + 2
    // The version is published once the meta is: a failed clean-up only leaves values for the next
    // sweep, and must not make a published version look failed.
    try {
      const keep = new Set([...named.blobs.keys(), ...previousKeys])
      return { written: true, kvWrites: written + (await this.cleanUp(plan, keep, previous)), meta }
    } catch (error) {
      const warning = `deleting retired snapshot values: ${error instanceof Error ? error.message : String(error)}`
      return { written: true, kvWrites: written, meta, warning }
    }
  }

  /**
   * The values KV does not hold yet, then the moving values, then the meta, which makes the
   * version visible (so a reader that finds it finds the rest); then this isolate's readers are told.
   */
  private async putVersion(
    meta: SnapshotMeta & { moving: { key: string } },
    blobs: ReadonlyMap<string, Bytes>,
    fresh: readonly string[],
    moving: Bytes,
  ): Promise<void> {
    const metadata: BlobMetadata = { writtenAt: meta.writtenAt }
    await pMap(fresh, (key) => this.kv.put(key, blobs.get(key)!, { metadata }), { concurrency: WRITE_CONCURRENCY })
    await this.kv.put(meta.moving.key, moving)
    await this.kv.put(META_KEY, JSON.stringify(meta))
    const announce = this.options.announce ?? rememberPublished
    announce(meta)
  }

  /**
   * Deletes the retired values that are due and, when due, sweeps for leftovers, keeping `kept`
   * (this version's values and the previous one's). Returns the deletes and lists it made.
   */
  private async cleanUp(plan: RetirementPlan, kept: ReadonlySet<string>, previous: StoredMeta | null): Promise<number> {
    await pMap(plan.deletable, (key) => this.kv.delete(key), { concurrency: WRITE_CONCURRENCY })
    const keep = new Set([...kept, ...plan.retired.map((r) => r.key), ...plan.deletable])
    const swept = plan.sweep && previous ? await this.sweep(keep, previous) : 0
    return plan.deletable.length + swept
  }

  /** Every value a version names (a legacy version: its shards, its views and its chunks). */
  private async keysOf(meta: StoredMeta | null): Promise<Set<string>> {
    if (!meta) return new Set()
    if (meta.schemaVersion !== 2) {
      return new Set(Array.from({ length: meta.shardCount }, (_, i) => `${PREFIX}shard:${meta.etag}:${i}`))
    }
    if (meta.moving === undefined) return this.keysOfViewsLayout(meta)
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
