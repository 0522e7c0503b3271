import { type Bytes, encodeArrayView, utf8 } from '../kv/array-view'
import type { BackendRuntimeState, Snapshot } from '../published/types'
import { chunkStarts, splitAt } from './chunk-boundaries'
import { fleetView } from './fleet'
import { type CycleMetrics, metricsView } from './metrics'
import { mergedModels, openAIModelList } from './models'
import { MAX_CHUNKS_PER_SHARD, type RenderedProviderChunk, renderProviderChunks } from './provider-index'

/**
 * Everything a read returns, rendered once when a cycle publishes, so that a read sends stored
 * bytes instead of parsing and serializing the snapshot.
 */
export interface RenderedSnapshot {
  /** The /state body, cut into shards (array views of backend states), with the states they hold. */
  shards: { bytes: Bytes; states: BackendRuntimeState[] }[]
  /** Backend ids in snapshot order (JSON): /state/:id finds its shard and element by position. */
  index: Bytes
  /** Every merged model (array view), or null when larger than `maxViewBytes`. */
  models: Bytes | null
  /** The same in the OpenAI list's element shape, or null when larger than `maxViewBytes`. */
  openAIModels: Bytes | null
  /** Per shard, its /providers chunks. */
  providers: RenderedProviderChunk[][]
  /** The /metrics view (JSON). */
  metrics: Bytes
  /** What the status pages render (JSON), or null when larger than `maxViewBytes`. */
  fleet: Bytes | null
}

export interface RenderOptions {
  /** When the version is published: /v1/models' `created` when its model list is new. */
  writtenAt: Date
  /** Backends per shard, on average. */
  backendsPerShard: number
  /** A shard ends before it would pass this many bytes. */
  maxShardBytes: number
  /** Past this size a model view is not stored, and reads of it merge the shards instead. */
  maxViewBytes: number
  maxProviderChunks?: number
  /** The cycle publishing it, for /metrics. */
  cycle: CycleMetrics
}

export function renderSnapshot(snapshot: Snapshot, options: RenderOptions): RenderedSnapshot {
  const states = snapshot.backends
  const texts = states.map((state) => JSON.stringify(state))
  const starts = chunkStarts(
    states.map((s) => s.id),
    options.backendsPerShard,
    { sizes: texts.map((t) => t.length), max: options.maxShardBytes },
  )
  const merged = mergedModels(states)
  const models = encodeArrayView(merged.map((m) => JSON.stringify(m)))
  const openAI = openAIModelList(states, options.writtenAt).data
  const openAIModels = encodeArrayView(openAI.map((m) => JSON.stringify(m)))
  const bounded = (view: Bytes) => (view.length <= options.maxViewBytes ? view : null)
  return {
    shards: splitAt(texts, starts).map((shard, i) => ({
      bytes: encodeArrayView(shard),
      states: states.slice(starts[i], starts[i + 1] ?? states.length),
    })),
    index: utf8(JSON.stringify(states.map((s) => s.id))),
    models: bounded(models),
    openAIModels: bounded(openAIModels),
    providers: splitAt(states, starts).map((shard) =>
      renderProviderChunks(shard, options.maxProviderChunks ?? MAX_CHUNKS_PER_SHARD),
    ),
    metrics: utf8(JSON.stringify(metricsView(states, options.cycle, options.writtenAt))),
    fleet: bounded(utf8(JSON.stringify(fleetView(states, options.writtenAt)))),
  }
}
