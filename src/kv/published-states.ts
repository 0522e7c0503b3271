import type { BackendRuntimeState, SnapshotMeta } from '../published/types'
import { element } from './array-view'
import type { SnapshotReader } from './snapshot-reader'
import { type TemplateHeader, spliceElement } from './template-view'

/** The shard of a version holding position `at`, and `at` within it; undefined past the last. */
export function shardAt(meta: SnapshotMeta, at: number): { shard: number; offset: number } | undefined {
  let offset = at
  for (let shard = 0; shard < meta.shards.length; shard++) {
    const count = meta.shards[shard]!.count
    if (offset < count) return { shard, offset }
    offset -= count
  }
  return undefined
}

/** Backend id → position in a version, parsed once per isolate and version. */
export function positions(reader: SnapshotReader, meta: SnapshotMeta): Promise<Map<string, number>> {
  return reader.json(meta.views.index, (ids) => new Map((ids as string[]).map((id, i) => [id, i])))
}

/** The position of a version's shard's first backend. */
export function shardStart(meta: SnapshotMeta, shard: number): number {
  let start = 0
  for (let i = 0; i < shard; i++) start += meta.shards[i]!.count
  return start
}

/**
 * The published states of these backends in a version, parsed: the cycle takes a failing backend's
 * last good models from what it last published. Reads the index, the moving values and only the
 * shards that hold them. A version from before templates has whole states in its shards.
 */
export async function publishedStates(
  reader: SnapshotReader,
  meta: SnapshotMeta,
  ids: readonly string[],
): Promise<Map<string, BackendRuntimeState>> {
  const found = new Map<string, BackendRuntimeState>()
  if (ids.length === 0 || meta.shards.length === 0) return found
  const index = await positions(reader, meta)
  const byShard = new Map<number, { id: string; offset: number }[]>()
  for (const id of ids) {
    const at = index.get(id)
    const place = at === undefined ? undefined : shardAt(meta, at)
    if (!place) continue
    byShard.set(place.shard, [...(byShard.get(place.shard) ?? []), { id, offset: place.offset }])
  }
  const moving = meta.moving ? await reader.moving(meta) : null
  const decoder = new TextDecoder()
  for (const [shard, wanted] of byShard) {
    const view = await reader.view<TemplateHeader>(meta.shards[shard]!.key, false)
    const start = shardStart(meta, shard)
    for (const { id, offset } of wanted) {
      const bytes = moving ? spliceElement(view, offset, moving.values(start + offset)) : element(view, offset)
      found.set(id, JSON.parse(decoder.decode(bytes)) as BackendRuntimeState)
    }
  }
  return found
}
