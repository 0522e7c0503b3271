import {
  type ArrayView,
  type ArrayViewHeader,
  type Bytes,
  elementRange,
  encodeArrayView,
  jsonJoin,
} from '../kv/array-view'
import { canonicalBackendType } from '../providers'
import type { BackendRuntimeState } from '../published/types'
import { type ProviderQuery, capabilityMask, matchesQuery, providerEntry } from './providers'

/**
 * The /providers index. Each snapshot shard's provider entries are grouped by what a filter asks
 * (backend type, capability set, context length by power of two) and each group is stored as its
 * own chunk. A directory lists every shard's chunks with a summary, so a filtered read fetches only
 * the chunks that can hold a match, checks each entry's facts from the chunk's header, and sends
 * the matching entries' stored bytes in snapshot order, one shard at a time.
 */

/** Groups past this many in one shard share one mixed chunk, so a shard costs a bounded number of writes. */
export const MAX_CHUNKS_PER_SHARD = 16

export interface ProviderChunkHeader extends ArrayViewHeader {
  /** Types named by `type`, local to the chunk so that a chunk's bytes never depend on another. */
  types: string[]
  type: number[]
  mask: number[]
  context: number[]
  /** 1 for an entry from a failing backend's last good list. */
  stale: number[]
  /** Each entry's position among its shard's entries: chunks of one shard merge back by it. */
  order: number[]
}

/** What a chunk may hold, so a read can skip it without fetching it. */
export interface ProviderChunkSummary {
  types: string[]
  masks: number[]
  maxContext: number
  count: number
}

export interface RenderedProviderChunk {
  bytes: Bytes
  summary: ProviderChunkSummary
}

export interface ProviderDirectory {
  /** Per snapshot shard, in order: its chunks (none when it serves no provider). */
  shards: { key: string; summary: ProviderChunkSummary }[][]
}

interface Entry {
  json: string
  type: string
  mask: number
  context: number
  stale: boolean
  order: number
}

/** Power-of-two bucket of a context length; unknown (0) gets a bucket of its own. */
function contextBucket(contextLength: number): number {
  return contextLength > 0 ? Math.floor(Math.log2(contextLength)) : -1
}

/** One shard's provider chunks. */
export function renderProviderChunks(
  states: readonly BackendRuntimeState[],
  maxChunks = MAX_CHUNKS_PER_SHARD,
): RenderedProviderChunk[] {
  const groups = new Map<string, Entry[]>()
  let order = 0
  for (const state of states) {
    const type = canonicalBackendType(state.backend.type)
    for (const model of state.pulledModels) {
      const mask = capabilityMask(model)
      const entry = {
        json: JSON.stringify(providerEntry(state, model)),
        type,
        mask,
        context: model.contextLength,
        stale: model.stale,
        order,
      }
      order++
      const group = `${type}\u0000${mask}\u0000${contextBucket(model.contextLength)}`
      const members = groups.get(group)
      if (members) members.push(entry)
      else groups.set(group, [entry])
    }
  }
  const bySize = [...groups.values()].sort((a, b) => b.length - a.length || a[0]!.order - b[0]!.order)
  const chunks =
    bySize.length <= maxChunks
      ? bySize
      : [
          ...bySize.slice(0, maxChunks - 1),
          bySize
            .slice(maxChunks - 1)
            .flat()
            .sort((a, b) => a.order - b.order),
        ]
  return chunks.sort((a, b) => a[0]!.order - b[0]!.order).map(renderChunk)
}

function renderChunk(entries: Entry[]): RenderedProviderChunk {
  const types = [...new Set(entries.map((e) => e.type))]
  const header: Omit<ProviderChunkHeader, 'ends'> = {
    types,
    type: entries.map((e) => types.indexOf(e.type)),
    mask: entries.map((e) => e.mask),
    context: entries.map((e) => e.context),
    stale: entries.map((e) => (e.stale ? 1 : 0)),
    order: entries.map((e) => e.order),
  }
  return {
    bytes: encodeArrayView(
      entries.map((e) => e.json),
      header,
    ),
    summary: {
      types,
      masks: [...new Set(header.mask)],
      maxContext: header.context.reduce((max, c) => Math.max(max, c), 0),
      count: entries.length,
    },
  }
}

/** False when no entry of a chunk with this summary can match. */
export function chunkMayMatch(summary: ProviderChunkSummary, query: ProviderQuery): boolean {
  return (
    summary.types.some((type) => query.types.size === 0 || query.types.has(type)) &&
    summary.masks.some((mask) => (mask & query.mask) === query.mask) &&
    (query.minContext === 0 || summary.maxContext >= query.minContext)
  )
}

/** The matching entries of one shard's chunks, merged back into snapshot order. */
export function matchingEntries(chunks: readonly ArrayView<ProviderChunkHeader>[], query: ProviderQuery): Bytes {
  const found: { order: number; bytes: Bytes }[] = []
  for (const chunk of chunks) {
    const h = chunk.header
    for (let i = 0; i < h.ends.length; i++) {
      if (matchesQuery(query, h.types[h.type[i]!]!, h.mask[i]!, h.context[i]!, h.stale[i] === 1)) {
        found.push({ order: h.order[i]!, bytes: elementRange(chunk, i, i + 1) })
      }
    }
  }
  found.sort((a, b) => a.order - b.order)
  return jsonJoin(
    found.map((f) => f.bytes),
    '',
    '',
  )
}

/**
 * The body of a filtered /providers read, one shard at a time: the shard's chunks that may match
 * are loaded (`load`, in parallel), filtered, merged, and yielded; a shard with no match yields
 * nothing. Only one shard's chunks are held at once.
 */
export async function* providerBodyParts(
  directory: ProviderDirectory,
  query: ProviderQuery,
  load: (key: string) => Promise<ArrayView<ProviderChunkHeader>>,
): AsyncGenerator<Bytes> {
  for (const shard of directory.shards) {
    const wanted = shard.filter((chunk) => chunkMayMatch(chunk.summary, query))
    if (wanted.length === 0) continue
    const part = matchingEntries(await Promise.all(wanted.map((chunk) => load(chunk.key))), query)
    if (part.length > 0) yield part
  }
}
