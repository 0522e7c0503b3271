import { type Bytes, element, elementRange, jsonJoin, utf8 } from '../kv/array-view'
import { gzip, gzipMember } from '../kv/gzip'
import { positions, shardAt, shardStart } from '../kv/published-states'
import { type SnapshotReader, SnapshotUnavailableError } from '../kv/snapshot-reader'
import { observedAtOf } from '../kv/state-template'
import { type TemplateHeader, fillShard } from '../kv/template-view'
import type { BackendRuntimeState, SnapshotMeta } from '../published/types'
import { type FleetBase, type FleetView, fleetWithMoving } from '../views/fleet'
import { type CycleMetrics, type MetricsView, metricsFromMoving } from '../views/metrics'
import { type FactFilter, factsMatch, filtersFacts } from '../views/fact-filter'
import { type FactColumns, columnMatcher, factQuery } from '../views/fact-filter-index'
import { type MergedEntry, foldMergedModels, sortedById } from '../views/models'
import { openAIModels } from '../views/openai-models'
import { type ProviderChunkHeader, type ProviderDirectory, providerBodyParts } from '../views/provider-index'
import type { ProviderQuery } from '../views/providers'
import { ApiError } from './errors'

/**
 * The bodies of the snapshot reads, joined from the values rendered at publish. The /state shards
 * and /providers chunks are templates: a body copies their bytes around the version's moving
 * values (a few short texts per backend, see template-view.ts), and a body that is kept in memory
 * (one that fits, which is every body of a small fleet) does that once per version. Nothing here
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

/**
 * A shard filled with the version's moving values, as an array view of its backends' JSON. Kept
 * for the version (unless `keep` is false: a read that would only churn the cache), so that
 * /state/:id and pages of /state slice it as they would a stored shard; its template is then not
 * kept, since the version does not need it again.
 */
async function filledShard(reader: SnapshotReader, meta: SnapshotMeta, shard: number, keep: boolean) {
  const fill = async () => {
    const [view, moving] = await Promise.all([
      reader.view<TemplateHeader>(meta.shards[shard]!.key, false),
      reader.moving(meta),
    ])
    const start = shardStart(meta, shard)
    return fillShard(view, (i) => moving.values(start + i))
  }
  if (!keep) return fill()
  return reader.derived(`${meta.etag}:shard:${shard}`, async () => {
    const filled = await fill()
    return { value: filled, size: filled.bytes }
  })
}

/** A shard's elements, filled, comma-joined. */
const shardBody = async (reader: SnapshotReader, meta: SnapshotMeta, shard: number, keep: boolean) =>
  (await filledShard(reader, meta, shard, keep)).body

/** About the size of the whole /state body. */
const stateBytes = (meta: SnapshotMeta) => meta.shards.reduce((n, s) => n + s.bytes, meta.moving?.bytes ?? 0)

async function plainState(reader: SnapshotReader, meta: SnapshotMeta): Promise<Body> {
  const id = `${meta.etag}:state`
  const kept = reader.keptBody(id)
  if (kept) return kept
  if (reader.keepable(stateBytes(meta))) {
    const shards = await Promise.all(meta.shards.map((_, i) => shardBody(reader, meta, i, true)))
    return reader.keepBody(id, jsonJoin(shards))
  }
  // The first shard is read before answering, so a snapshot still hidden by KV's edge cache is a
  // 503, not a 200 cut short.
  const first = await shardBody(reader, meta, 0, false)
  async function* shards() {
    yield first
    for (let i = 1; i < meta.shards.length; i++) yield await shardBody(reader, meta, i, false)
  }
  return streamParts(jsonArray(shards()))
}

/**
 * /state gzipped: compressed once per version in an isolate and kept (the moving values change
 * the bytes with each version, so nothing gzipped is stored). Past what is kept whole, one gzip
 * member per shard, each kept for the version, streamed between members of `[`, `,` and `]`.
 */
async function gzippedState(reader: SnapshotReader, meta: SnapshotMeta): Promise<Body> {
  const id = `${meta.etag}:state.gz`
  const kept = reader.keptBody(id)
  if (kept) return kept
  if (reader.keepable(stateBytes(meta))) {
    return reader.keepBody(id, await gzip((await plainState(reader, meta)) as Bytes))
  }
  const member = async (i: number) => {
    const shardId = `${meta.etag}:state.gz:${i}`
    return reader.keptBody(shardId) ?? reader.keepBody(shardId, await gzip(await shardBody(reader, meta, i, false)))
  }
  const first = await member(0)
  async function* members() {
    yield first
    for (let i = 1; i < meta.shards.length; i++) yield await member(i)
  }
  return streamParts(gzipArray(members()))
}

export async function backendState(reader: SnapshotReader, meta: SnapshotMeta, id: string) {
  const at = (await positions(reader, meta)).get(id)
  if (at === undefined) return null
  const place = shardAt(meta, at)
  if (!place) throw new SnapshotUnavailableError(`position ${at} is past the last shard`)
  return element(await filledShard(reader, meta, place.shard, true), place.offset)
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
    const view = await filledShard(reader, meta, shard, true)
    const taken = Math.min(left, view.header.ends.length - offset)
    parts.push(elementRange(view, offset, offset + taken))
    left -= taken
  }
  return jsonJoin(parts)
}

/**
 * The stored model lists: the merged /models list, then the /v1/models elements, `count` of each;
 * the header holds the merged models' facts as columns.
 */
async function modelViews(reader: SnapshotReader, key: string) {
  const view = await reader.view<{ ends: number[]; count: number } & FactColumns>(key)
  return { view, count: view.header.count }
}

/**
 * The first `limit` merged models that match `facts`, matched on the stored view's header without
 * parsing its elements; a filtered answer is kept for the version, under the URL's `variant`.
 */
export async function modelList(
  reader: SnapshotReader,
  meta: SnapshotMeta,
  limit: number,
  facts: FactFilter = {},
  variant = '',
): Promise<Bytes> {
  const filtered = filtersFacts(facts)
  const id = `${meta.etag}:${variant}`
  const kept = filtered ? reader.keptBody(id) : undefined
  if (kept) return kept
  if (!meta.views.models) {
    const models = (await mergeShards(reader, meta, limit, facts)).map((e) => e.model)
    return filtered ? reader.keepBody(id, utf8(JSON.stringify(models))) : utf8(JSON.stringify(models))
  }
  const { view, count } = await modelViews(reader, meta.views.models)
  if (!filtered) return jsonJoin([elementRange(view, 0, Math.min(limit, count))])
  const matches = columnMatcher(factQuery(facts), view.header)
  const found: Bytes[] = []
  for (let i = 0; i < count && found.length < limit; i++) if (matches(i)) found.push(elementRange(view, i, i + 1))
  return reader.keepBody(id, jsonJoin(found))
}

/** The first `limit` models in the OpenAI list shape. */
export async function openAIModelList(reader: SnapshotReader, meta: SnapshotMeta, limit: number) {
  let data: Bytes
  if (meta.views.models) {
    const { view, count } = await modelViews(reader, meta.views.models)
    data = elementRange(view, count, count + Math.min(limit, count))
  } else {
    const created = new Date(meta.modelList?.since ?? meta.writtenAt)
    const models = openAIModels(await mergeShards(reader, meta, limit, {}), created)
    data = utf8(models.map((m) => JSON.stringify(m)).join(','))
  }
  return jsonJoin([data], '{"object":"list","data":[', ']}')
}

/** Ids merged per pass over the shards when a filter asks facts (see mergeShards). */
const IDS_PER_PASS = 1000
/** Shard reads one filtered merge may take: a read must stay well inside an invocation's 1 000 KV operations. */
const MAX_FILTERED_SHARD_READS = 500

/**
 * When a model view was too large to store: the shards merged one at a time, keeping the first
 * `limit` models that match `facts`. A model's merged facts are known only once every shard is
 * in, so a filter is checked after a pass over the shards, which merges the next `IDS_PER_PASS`
 * ids (at least `limit`); passes go on until `limit` models match or no id is left.
 */
async function mergeShards(
  reader: SnapshotReader,
  meta: SnapshotMeta,
  limit: number,
  facts: FactFilter,
): Promise<MergedEntry[]> {
  const filtered = filtersFacts(facts)
  const perPass = filtered ? Math.max(limit, IDS_PER_PASS) : limit
  const decoder = new TextDecoder()
  const found: MergedEntry[] = []
  for (let after: string | undefined, reads = 0; ; reads += meta.shards.length) {
    if (filtered && reads + meta.shards.length > MAX_FILTERED_SHARD_READS) {
      throw new ApiError(
        503,
        'model_list_too_large',
        `the model list is too large to store, and this filter would read it ${Math.ceil(reads / meta.shards.length) + 1} times or more: ask /providers with the same filter, which reads only the index chunks that can match`,
      )
    }
    const byId = new Map<string, MergedEntry>()
    for (let i = 0; i < meta.shards.length; i++) {
      const body = await shardBody(reader, meta, i, false)
      foldMergedModels(byId, JSON.parse(`[${decoder.decode(body)}]`) as BackendRuntimeState[], perPass, after)
    }
    const merged = sortedById(byId)
    found.push(...(filtered ? merged.filter((e) => factsMatch(facts, e.model)) : merged))
    if (found.length >= limit || merged.length < perPass) return found.slice(0, limit)
    after = merged.at(-1)!.model.id
  }
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
  const directory: ProviderDirectory = { shards: meta.shards.map((s) => s.chunks) }
  const observedAt = async (shard: number) => {
    const moving = await reader.moving(meta)
    const start = shardStart(meta, shard)
    return (backend: number, k: number) => utf8(JSON.stringify(observedAtOf(moving.values(start + backend), k)))
  }
  const parts = providerBodyParts(directory, query, (key) => reader.view<ProviderChunkHeader>(key), observedAt)
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

/** What the status pages render: the stored fleet base with the version's moving values, built once per version. */
export async function publishedFleet(reader: SnapshotReader, meta: SnapshotMeta): Promise<FleetView> {
  const key = meta.views.fleet
  if (!key) throw new SnapshotUnavailableError('this version has no fleet view')
  return reader.derived<FleetView>(`${meta.etag}:fleet`, async () => {
    const [base, moving] = await Promise.all([reader.json(key, (value) => value as FleetBase), reader.moving(meta)])
    return {
      value: fleetWithMoving(base, (i) => moving.values(i).fields, meta.writtenAt),
      size: moving.bytes * 2,
    }
  })
}

/** What /metrics renders, from the version's moving values alone, built once per version. */
export async function publishedMetrics(reader: SnapshotReader, meta: SnapshotMeta): Promise<MetricsView> {
  return reader.derived<MetricsView>(`${meta.etag}:metrics`, async () => {
    const moving = await reader.moving<CycleMetrics>(meta)
    return { value: metricsFromMoving(moving, meta.writtenAt), size: moving.bytes }
  })
}
