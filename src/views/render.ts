import { type Bytes, encodeArrayView, utf8 } from '../kv/array-view'
import { type MovingRecord, encodeMoving } from '../kv/moving-view'
import { cutState } from '../kv/state-template'
import { byteLength, encodeTemplates } from '../kv/template-view'
import type { BackendRuntimeState, Snapshot } from '../published/types'
import { chunkStarts, splitAt } from './chunk-boundaries'
import { fleetBase } from './fleet'
import type { CycleMetrics } from './metrics'
import { factColumns } from './fact-filter-index'
import { type MergedEntry, mergedEntries } from './models'
import { openAIModels } from './openai-models'
import { MAX_CHUNKS_PER_SHARD, type RenderedProviderChunk, renderProviderChunks } from './provider-index'

/**
 * Everything a read returns, rendered once when a cycle publishes, so that a read sends stored
 * bytes (filling in the moving values) instead of parsing and serializing the snapshot. Every value
 * but `moving` leaves out what moves every cycle, so it is rewritten only when it changes.
 */
export interface RenderedSnapshot {
  /** The /state body as templates (see TemplateHeader), cut into shards, with the states they hold. */
  shards: { bytes: Bytes; states: BackendRuntimeState[] }[]
  /** Backend ids in snapshot order (JSON): /state/:id finds its shard and element by position. */
  index: Bytes
  /**
   * The merged /models list, then the same models as /v1/models elements (one array view, `count`
   * models each, its header holding the merged models' facts as FactColumns, so a filtered /models
   * read parses no element), or null when larger than `maxViewBytes`.
   */
  models: Bytes | null
  /** Per shard, its /providers chunks. */
  providers: RenderedProviderChunk[][]
  /** What the status pages render, without what moves (JSON), or null when larger than `maxViewBytes`. */
  fleet: Bytes | null
  /** Every backend's moving values and facts, and the cycle's figures: the one value every version writes. */
  moving: Bytes
}

export interface RenderOptions {
  /** The version's etag, which its moving values name. */
  version: string
  /** When this model list was first published: /v1/models' `created`. */
  modelsCreated: Date
  /** The merged models, when the caller has them already. */
  merged?: MergedEntry[]
  /** Backends per shard, on average. */
  backendsPerShard: number
  /** A shard ends before it would pass this many bytes. */
  maxShardBytes: number
  /** Past this size a view is not stored (the model lists are then merged from the shards). */
  maxViewBytes: number
  maxProviderChunks?: number
  /** The cycle publishing it, for /metrics. */
  cycle: CycleMetrics
}

export function renderSnapshot(snapshot: Snapshot, options: RenderOptions): RenderedSnapshot {
  const states = snapshot.backends
  const cuts = states.map(cutState)
  // Cut by the templates' sizes, so that moving values never move a shard boundary.
  const starts = chunkStarts(
    states.map((s) => s.id),
    options.backendsPerShard,
    { sizes: cuts.map((c) => c.template.parts.reduce((n, p) => n + byteLength(p), 0)), max: options.maxShardBytes },
  )
  const merged = options.merged ?? mergedEntries(states)
  const models = encodeArrayView(
    [
      ...merged.map((m) => JSON.stringify(m.model)),
      ...openAIModels(merged, options.modelsCreated).map((m) => JSON.stringify(m)),
    ],
    { count: merged.length, ...factColumns(merged.map((m) => m.model)) },
  )
  const bounded = (view: Bytes) => (view.length <= options.maxViewBytes ? view : null)
  const records: MovingRecord[] = states.map((s, i) => [
    cuts[i]!.moving.fields,
    cuts[i]!.moving.observedAt,
    [s.id, s.name, s.backend.type, s.status, s.pulledModels.length],
  ])
  return {
    shards: splitAt(
      cuts.map((c) => c.template),
      starts,
    ).map((templates, i) => ({
      bytes: encodeTemplates(templates),
      states: states.slice(starts[i], starts[i + 1] ?? states.length),
    })),
    index: utf8(JSON.stringify(states.map((s) => s.id))),
    models: bounded(models),
    providers: splitAt(states, starts).map((shard) =>
      renderProviderChunks(shard, options.maxProviderChunks ?? MAX_CHUNKS_PER_SHARD),
    ),
    fleet: bounded(utf8(JSON.stringify(fleetBase(states)))),
    moving: encodeMoving(records, options.version, options.cycle),
  }
}
