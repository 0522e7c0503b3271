import {
  type ArrayView,
  type ArrayViewHeader,
  type Bytes,
  concatBytes,
  elementRange,
  encodeArrayView,
  jsonJoin,
} from '../kv/array-view'
import { cutMember, hasObservedAt } from '../kv/state-template'
import { byteLength } from '../kv/template-view'
import { canonicalBackendType } from '../published/backend-type'
import type { BackendRuntimeState, ProviderChunkSummary } from '../published/types'
import { withPublishedFacts } from '../catalog/enrich'
import type { PublishedFacts } from './fact-filter'
import { type FactColumns, columnMatcher, factColumns, factSummary, summaryMayMatch } from './fact-filter-index'
import { type ProviderQuery, capabilityMask, matchesQuery, providerEntry } from './providers'

export type { ProviderChunkSummary }

/**
 * The /providers index. Each snapshot shard's provider entries are grouped by what a filter asks
 * (backend type, capability set, context length by power of two) and each group is stored as its
 * own chunk. A directory lists every shard's chunks with a summary (of the published facts too,
 * see fact-filter-index.ts), so a filtered read fetches only the chunks that can hold a match,
 * checks each entry's facts from the chunk's header, and sends the matching entries' stored bytes
 * in snapshot order, one shard at a time. An entry's observedAt
 * moves every cycle: it is cut out, like the states' moving values, and filled in from the
 * version's moving values when the entry is sent.
 */

/** Groups past this many in one shard share one mixed chunk, so a shard costs a bounded number of writes. */
export const MAX_CHUNKS_PER_SHARD = 16

export interface ProviderChunkHeader extends ArrayViewHeader, FactColumns {
  /** Types named by `type`, local to the chunk so that a chunk's bytes never depend on another. */
  types: string[]
  type: number[]
  mask: number[]
  /** Each entry's context length (`limits.context`), 0 when unknown; its other facts are FactColumns. */
  context: number[]
  /** 1 for an entry from a failing backend's last good list. */
  stale: number[]
  /**
   * Each entry's backend (by position in the shard) and model (by position in that backend's list):
   * chunks of one shard merge back by them. Positions of their own, not among all the shard's
   * entries, so that a model added to one backend does not rewrite the chunks of the others.
   */
  backend: number[]
  model: number[]
  /** Where its observedAt goes (a byte offset in the entry), or -1 when it has none. */
  cut: number[]
  /** Which of its backend's observedAt values it takes (see MovingValues). */
  observed: number[]
}

/** An entry's observedAt, as JSON: the `observed`-th of the shard's `backend`-th backend. */
export type ObservedAtText = (backend: number, observed: number) => Bytes

export interface RenderedProviderChunk {
  bytes: Bytes
  summary: ProviderChunkSummary
}

export interface ProviderDirectory {
  /** Per snapshot shard, in order: its chunks (none when it serves no provider). */
  shards: { key: string; summary: ProviderChunkSummary }[][]
}

interface Entry {
  /** The entry's JSON without its observedAt's value, which goes at `cut`. */
  json: string
  cut: number
  backend: number
  model: number
  observed: number
  type: string
  mask: number
  facts: PublishedFacts
  stale: boolean
  /** Its position among the shard's entries: lays out the chunks, and is not stored. */
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
  for (const [backend, state] of states.entries()) {
    const type = canonicalBackendType(state.backend.type)
    let observed = 0
    for (const [position, model] of state.pulledModels.entries()) {
      const mask = capabilityMask(model)
      const facts = withPublishedFacts(model)
      // Counted as state-template.ts counts a backend's observedAt holes.
      const k = hasObservedAt(model) ? observed++ : -1
      const cut = k >= 0 ? cutMember(providerEntry(state, model), 'observedAt') : null
      const entry = {
        json: cut ? cut.before + cut.after : JSON.stringify(providerEntry(state, model)),
        cut: cut ? byteLength(cut.before) : -1,
        backend,
        model: position,
        observed: k,
        type,
        mask,
        facts,
        stale: model.stale,
        order,
      }
      order++
      const group = `${type}\u0000${mask}\u0000${contextBucket(facts.limits.context ?? 0)}`
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
  const { context, ...facts } = factColumns(entries.map((e) => e.facts))
  const header: Omit<ProviderChunkHeader, 'ends'> = {
    types,
    type: entries.map((e) => types.indexOf(e.type)),
    mask: entries.map((e) => e.mask),
    context,
    stale: entries.map((e) => (e.stale ? 1 : 0)),
    backend: entries.map((e) => e.backend),
    model: entries.map((e) => e.model),
    cut: entries.map((e) => e.cut),
    observed: entries.map((e) => e.observed),
    ...facts,
  }
  return {
    bytes: encodeArrayView(
      entries.map((e) => e.json),
      header,
    ),
    summary: { types, masks: [...new Set(header.mask)], ...factSummary(header), count: entries.length },
  }
}

/** False when no entry of a chunk with this summary can match. */
export function chunkMayMatch(summary: ProviderChunkSummary, query: ProviderQuery): boolean {
  return (
    summary.types.some((type) => query.types.size === 0 || query.types.has(type)) &&
    summary.masks.some((mask) => (mask & query.mask) === query.mask) &&
    summaryMayMatch(summary, query.factQuery)
  )
}

/** The matching entries of one shard's chunks, filled and merged back into snapshot order. */
export function matchingEntries(
  chunks: readonly ArrayView<ProviderChunkHeader>[],
  query: ProviderQuery,
  observedAt: ObservedAtText,
): Bytes {
  const found: { backend: number; model: number; bytes: Bytes }[] = []
  for (const chunk of chunks) {
    const h = chunk.header
    const factsMatch = columnMatcher(query.factQuery, h)
    for (let i = 0; i < h.ends.length; i++) {
      if (matchesQuery(query, h.types[h.type[i]!]!, h.mask[i]!, h.stale[i] === 1) && factsMatch(i)) {
        const entry = elementRange(chunk, i, i + 1)
        const cut = h.cut[i]!
        const bytes =
          cut < 0
            ? entry
            : concatBytes([entry.subarray(0, cut), observedAt(h.backend[i]!, h.observed[i]!), entry.subarray(cut)])
        found.push({ backend: h.backend[i]!, model: h.model[i]!, bytes })
      }
    }
  }
  found.sort((a, b) => a.backend - b.backend || a.model - b.model)
  return jsonJoin(
    found.map((f) => f.bytes),
    '',
    '',
  )
}

/**
 * The body of a filtered /providers read, one shard at a time: the shard's chunks that may match
 * are loaded (`load`, in parallel), filtered, filled from `observedAt` (the shard's, by its index),
 * merged, and yielded; a shard with no match yields nothing. Only one shard's chunks are held at once.
 */
export async function* providerBodyParts(
  directory: ProviderDirectory,
  query: ProviderQuery,
  load: (key: string) => Promise<ArrayView<ProviderChunkHeader>>,
  observedAt: (shard: number) => Promise<ObservedAtText>,
): AsyncGenerator<Bytes> {
  for (const [index, shard] of directory.shards.entries()) {
    const wanted = shard.filter((chunk) => chunkMayMatch(chunk.summary, query))
    if (wanted.length === 0) continue
    const [chunks, fill] = await Promise.all([Promise.all(wanted.map((chunk) => load(chunk.key))), observedAt(index)])
    const part = matchingEntries(chunks, query, fill)
    if (part.length > 0) yield part
  }
}
