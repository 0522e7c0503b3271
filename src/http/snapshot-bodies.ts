import { type Bytes, concatBytes, element, elementRange, jsonJoin, utf8 } from '../kv/array-view'
import { gzipMember } from '../kv/gzip'
import { positions, shardAt } from '../kv/published-states'
import { type SnapshotReader, SnapshotUnavailableError } from '../kv/snapshot-reader'
import type { BackendRuntimeState, SnapshotMeta } from '../published/types'
import { type MergedModel, foldMergedModels, openAIModels, sortedById } from '../views/models'
import { type ProviderChunkHeader, type ProviderDirectory, providerBodyParts } from '../views/provider-index'
import type { ProviderQuery } from '../views/providers'

/**
 * The bodies of the snapshot reads, joined from the values rendered at publish. Nothing here
 * parses a backend's state except the model views' fallback, and no body holds more than a few
 * shards: a /state or /providers answer larger than that is streamed a shard at a time.
 */

export type Body = Bytes | ReadableStream<Bytes>

const EMPTY_ARRAY = utf8('[]')

/** Parts streamed as they come: the next one is read only when the client has taken the previous one. */
export function streamParts(parts: AsyncIterator<Bytes>): ReadableStream<Bytes> {
  return new ReadableStream<Bytes>(
    {
      async pull(controller) {
        const next = await parts.next()
        if (next.done) controller.close()
        else if (next.value.length > 0) controller.enqueue(next.value)
      },
      async cancel() {
        await parts.return?.(undefined)
      },
    },
    { highWaterMark: 0 },
  )
}

/** Parts that are comma-joined elements, as one JSON array. */
async function* jsonArray(parts: AsyncIterable<Bytes>): AsyncGenerator<Bytes> {
  let first = true
  for await (const part of parts) {
    if (part.length === 0) continue
    yield jsonJoin([part], first ? '[' : ',', '')
    first = false
  }
  yield utf8(first ? '[]' : ']')
}

/** Gzip members of comma-joined elements, as the gzip of one JSON array. */
async function* gzipArray(members: AsyncIterable<Bytes> | Iterable<Bytes>): AsyncGenerator<Bytes> {
  yield await gzipMember('[')
  let first = true
  for await (const member of members) {
    if (!first) yield await gzipMember(',')
    yield member
    first = false
  }
  yield await gzipMember(']')
}

/** What a read answers: bytes or a stream, and whether they are gzipped. */
export interface ReadBody {
  body: Body
  gzip?: boolean
}

export async function fullState(reader: SnapshotReader, meta: SnapshotMeta, acceptsGzip: boolean): Promise<ReadBody> {
  if (meta.shards.length === 0) return { body: EMPTY_ARRAY }
  return acceptsGzip ? { body: await gzippedState(reader, meta), gzip: true } : { body: await plainState(reader, meta) }
}

async function plainState(reader: SnapshotReader, meta: SnapshotMeta): Promise<Body> {
  const id = `${meta.etag}:state`
  const kept = reader.keptBody(id)
  if (kept) return kept
  if (reader.keepable(meta.shards.reduce((n, s) => n + s.bytes, 0))) {
    const views = await Promise.all(meta.shards.map((s) => reader.view(s.key)))
    return reader.keepBody(id, jsonJoin(views.map((v) => v.body)))
  }
  // The first shard is read before answering, so a snapshot still hidden by KV's edge cache is a
  // 503, not a 200 cut short.
  const first = await reader.view(meta.shards[0]!.key, false)
  async function* shards() {
    yield first.body
    for (const shard of meta.shards.slice(1)) yield (await reader.view(shard.key, false)).body
  }
  return streamParts(jsonArray(shards()))
}

/** The shards' stored gzip members between members of `[`, `,` and `]`. */
async function gzippedState(reader: SnapshotReader, meta: SnapshotMeta): Promise<Body> {
  const id = `${meta.etag}:state.gz`
  const kept = reader.keptBody(id)
  if (kept) return kept
  if (reader.keepable(meta.shards.reduce((n, s) => n + s.gzip.bytes, 0))) {
    const members = await Promise.all(meta.shards.map((s) => reader.bytes(s.gzip.key)))
    const joined: Bytes[] = []
    for await (const part of gzipArray(members)) joined.push(part)
    return reader.keepBody(id, concatBytes(joined))
  }
  const first = await reader.bytes(meta.shards[0]!.gzip.key, false)
  async function* members() {
    yield first
    for (const shard of meta.shards.slice(1)) yield await reader.bytes(shard.gzip.key, false)
  }
  return streamParts(gzipArray(members()))
}

export async function backendState(reader: SnapshotReader, meta: SnapshotMeta, id: string) {
  const at = (await positions(reader, meta)).get(id)
  if (at === undefined) return null
  const place = shardAt(meta, at)
  if (!place) throw new SnapshotUnavailableError(`position ${at} is past the last shard`)
  return element(await reader.view(meta.shards[place.shard]!.key), place.offset)
}

/** One backend's state, parsed: for a page or an answer that adds to it; null when it is not in this version. */
export async function parsedBackendState(
  reader: SnapshotReader,
  meta: SnapshotMeta,
  id: string,
): Promise<BackendRuntimeState | null> {
  const bytes = meta.shards.length > 0 ? await backendState(reader, meta, id) : null
  return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as BackendRuntimeState) : null
}

/** Backends at positions [from, from + limit): the shards they span, read one after another. */
export async function statePage(reader: SnapshotReader, meta: SnapshotMeta, from: number, limit: number) {
  const parts: Bytes[] = []
  let { shard, offset } = shardAt(meta, from) ?? { shard: meta.shards.length, offset: 0 }
  for (let left = limit; left > 0 && shard < meta.shards.length; shard++, offset = 0) {
    const view = await reader.view(meta.shards[shard]!.key)
    const taken = Math.min(left, view.header.ends.length - offset)
    parts.push(elementRange(view, offset, offset + taken))
    left -= taken
  }
  return jsonJoin(parts)
}

/** The first `limit` merged models. */
export async function modelList(reader: SnapshotReader, meta: SnapshotMeta, limit: number): Promise<Bytes> {
  if (meta.views.models) return jsonJoin([elementRange(await reader.view(meta.views.models), 0, limit)])
  return utf8(JSON.stringify(await mergeShards(reader, meta, limit)))
}

/** The first `limit` models in the OpenAI list shape. */
export async function openAIModelList(reader: SnapshotReader, meta: SnapshotMeta, limit: number) {
  const data = meta.views.openAIModels
    ? elementRange(await reader.view(meta.views.openAIModels), 0, limit)
    : utf8(
        openAIModels(await mergeShards(reader, meta, limit), new Date(meta.writtenAt))
          .map((m) => JSON.stringify(m))
          .join(','),
      )
  return jsonJoin([data], '{"object":"list","data":[', ']}')
}

/** When a model view was too large to store: the shards merged one at a time, keeping the first `limit`. */
async function mergeShards(reader: SnapshotReader, meta: SnapshotMeta, limit: number): Promise<MergedModel[]> {
  const byId = new Map<string, MergedModel>()
  const decoder = new TextDecoder()
  for (const shard of meta.shards) {
    const view = await reader.view(shard.key, false)
    foldMergedModels(byId, JSON.parse(`[${decoder.decode(view.body)}]`) as BackendRuntimeState[], limit)
  }
  return sortedById(byId)
}

/**
 * Filtered providers from the index: only chunks that can hold a match are read. A small answer is
 * kept in memory for the version; a large one is streamed.
 */
export async function providerList(
  reader: SnapshotReader,
  meta: SnapshotMeta,
  query: ProviderQuery,
  variant: string,
): Promise<Body> {
  if (meta.shards.length === 0) return EMPTY_ARRAY
  const id = `${meta.etag}:${variant}`
  const kept = reader.keptBody(id)
  if (kept) return kept
  const directory = await reader.json(meta.views.providers, (value) => value as ProviderDirectory)
  const parts = providerBodyParts(directory, query, (key) => reader.view<ProviderChunkHeader>(key))
  const held: Bytes[] = []
  let bytes = 0
  for (let next = await parts.next(); ; next = await parts.next()) {
    if (next.done) return reader.keepBody(id, jsonJoin(held))
    held.push(next.value)
    bytes += next.value.length
    if (!reader.keepable(bytes * 4)) break
  }
  async function* rest() {
    yield* held.splice(0)
    yield* parts
  }
  return streamParts(jsonArray(rest()))
}
