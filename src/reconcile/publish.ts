import { enrichModel, withPublishedFacts } from '../catalog/enrich'
import type { LoadedCatalog } from '../catalog/match'
import type { CatalogForPublish } from '../catalog/refresh'
import type { Database } from '../db/client'
import { type DeclaredState, writeBackContextLengths } from '../db/declared'
import { saveCycle } from '../db/health'
import type { Settings } from '../env'
import { publishedStates } from '../kv/published-states'
import { META_KEY, SnapshotReader } from '../kv/snapshot-reader'
import { aroundKv } from '../platform/invocation-budget'
import type { StoredMeta } from '../kv/snapshot-store'
import { adapterFor } from '../providers'
import { BACKEND_STATUSES, type BackendRuntimeState, type BackendStatus } from '../published/types'
import { lastSuccesses } from '../views/metrics'
import { errorText } from './cycle-errors'
import type { BackendWork } from './declared-sets'
import type { ProbedState, ServedModel } from './health'
import { LeaseLostError } from './lease'
import { type DeferReason, type Observation, deferralWarning } from './observation'
import { SnapshotPublisher } from './publish-snapshot'
import { type Deferred, type Probed, settleFleet } from './settle-fleet'

export interface PublishInput {
  runId: string
  startedAt: Date
  declared: DeclaredState
  /** Every backend the cycle covers. */
  work: BackendWork[]
  observations: ReadonlyMap<string, Observation>
  /** Why a backend of `work` without an observation was not checked. */
  missing: DeferReason
  db: Database
  /** Counted against the publishing invocation's budget. */
  kv: KVNamespace
  settings: Settings
  now: () => Date
  /** Throws LeaseLostError once another run holds the lease: called right before publishing. */
  confirmLease: () => Promise<void>
  /** The catalog the models' facts are resolved with (empty when it is off or never fetched), or why it cannot be read. */
  catalog: CatalogForPublish
}

export interface PublishResult {
  backends: number
  byStatus: Record<BackendStatus, number>
  deferred: number
  snapshotWritten: boolean
  kvWrites: number
  publish?: { kvWrites: number; ms: number }
  events?: number
  /** Steps that failed; the others still ran. */
  errors: string[]
  warnings: string[]
  /** Set when the lease was lost before anything was written. */
  leaseLost?: string
  /** Each backend's last success as settled, for what the cycle keeps for /metrics (views/metrics.ts lastCycle). */
  lastSuccessAt?: Record<string, string>
}

/**
 * The cycle's last step, in whichever invocation gathers its observations: settle every backend
 * against its history (deferred ones keep their last published state), publish the snapshot, write
 * back learned context lengths and save health, rollups and events. Every write is fenced by the
 * lease, and each step runs on its own: a KV outage must not lose the health history, and a
 * database error after publishing must not hide that the snapshot is out.
 */
export async function publishCycle(input: PublishInput): Promise<PublishResult> {
  if ('unavailable' in input.catalog) return catalogUnavailable(input.catalog.unavailable)
  const { catalog } = input.catalog
  const warnings: string[] = [...input.catalog.warnings]
  const publisher = new SnapshotPublisher(fencedMeta(input.kv, input.confirmLease))
  // Only the meta: health history comes from Postgres, so the previous shards are not needed.
  const previousMeta = await publisher.readMeta()
  const probes: Probed[] = []
  const deferred: Deferred[] = []
  const learned = new Map<string, { id: string; contextLength: number }>()
  for (const { backend } of input.work) {
    const observation = input.observations.get(backend.id)
    if (!observation || observation.kind === 'deferred') {
      deferred.push({ backend, reason: observation?.kind === 'deferred' ? observation.reason : input.missing })
      continue
    }
    probes.push({
      probed: withCatalogFacts(observation.probed, catalog),
      outcome: observation.outcome,
      deferredUntil: observation.deferredUntil,
    })
    // Several backends may serve the same declared model; learn its context once.
    for (const l of observation.learnedContexts) learned.set(l.id, l)
  }
  warnings.push(...deferralWarnings(deferred))
  const checkedAt = firstCheckedAt(probes) ?? input.now().toISOString()
  const { backends, save } = await settleFleet({
    runId: input.runId,
    probes,
    deferred,
    healthByBackend: input.declared.healthByBackend,
    windowsByBackend: input.declared.windowsByBackend,
    thresholds: { fail: input.settings.FAIL_THRESHOLD, recover: input.settings.RECOVER_THRESHOLD },
    now: new Date(checkedAt),
    eventRetentionDays: input.settings.EVENT_RETENTION_DAYS,
    loadPublished: (ids) => lastPublished(input.kv, previousMeta, ids, warnings),
  })
  // Code-point order, not locale order: the content hash must not depend on the runtime's locale.
  backends.sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id))
  const result: PublishResult = {
    backends: backends.length,
    byStatus: Object.fromEntries(BACKEND_STATUSES.map((s) => [s, 0])) as Record<BackendStatus, number>,
    deferred: deferred.length,
    snapshotWritten: false,
    kvWrites: 0,
    errors: [],
    warnings,
    lastSuccessAt: lastSuccesses(backends),
  }
  for (const state of backends) result.byStatus[state.status]++

  try {
    await input.confirmLease()
  } catch (error) {
    if (error instanceof LeaseLostError) return { ...result, leaseLost: error.message }
    result.errors.push(`confirming the lease before publishing: ${errorText(error)}`)
    return result
  }
  try {
    const publishStarted = input.now()
    const decision = await publisher.publish({ backends }, previousMeta, {
      now: publishStarted,
      heartbeatSeconds: input.settings.SNAPSHOT_HEARTBEAT_S,
      cycle: {
        startedAt: input.startedAt.toISOString(),
        durationMs: publishStarted.getTime() - input.startedAt.getTime(),
        outcome: 'ok',
        deferred: deferred.length,
      },
    })
    result.snapshotWritten = decision.written
    if (decision.warning) warnings.push(decision.warning)
    result.kvWrites += decision.kvWrites
    result.publish = { kvWrites: decision.kvWrites, ms: input.now().getTime() - publishStarted.getTime() }
  } catch (error) {
    if (error instanceof LeaseLostError) return { ...result, leaseLost: error.message }
    result.errors.push(`publishing the snapshot to KV: ${errorText(error)}`)
  }
  try {
    await writeBackContextLengths(input.db, input.runId, [...learned.values()])
  } catch (error) {
    result.errors.push(`writing back learned context lengths: ${errorText(error)}`)
  }
  try {
    if (await saveCycle(input.db, save)) result.events = save.events.length
    else result.errors.push('saving health: another cycle holds the lease; nothing was saved')
  } catch (error) {
    result.errors.push(`saving health: ${errorText(error)}`)
  }
  return result
}

/**
 * Nothing published or saved: without the stored catalog every catalog value would drop for a
 * cycle, a change event for each model, and back the next. The last snapshot and history stay.
 */
function catalogUnavailable(why: string): PublishResult {
  return {
    backends: 0,
    byStatus: Object.fromEntries(BACKEND_STATUSES.map((s) => [s, 0])) as Record<BackendStatus, number>,
    deferred: 0,
    snapshotWritten: false,
    kvWrites: 0,
    errors: [`${why}: nothing was published or saved this cycle; the last snapshot stays`],
    warnings: [],
  }
}

/** A probed backend's models with their published facts: claims and the catalog resolved. */
function withCatalogFacts(probed: ProbedState, catalog: LoadedCatalog): ProbedState<ServedModel> {
  const mapping = adapterFor(probed.backend.type)?.adapter.catalog
  return { ...probed, pulledModels: probed.pulledModels.map((m) => enrichModel(m, catalog, mapping)) }
}

/**
 * The KV namespace with the lease confirmed right before the meta is written: the values before it
 * are invisible until the meta names them, so a cycle that lost its lease publishes nothing.
 */
function fencedMeta(kv: KVNamespace, confirmLease: () => Promise<void>): KVNamespace {
  return aroundKv(kv, async (method, args, call) => {
    if (method === 'put' && args[0] === META_KEY) await confirmLease()
    return call()
  })
}

/** Names shown per reason in the run's warnings; the rest are counted. */
const NAMED_DEFERRALS = 20

/** One line per reason naming the deferred backends (in code-point order), for the run's log line and summary. */
export function deferralWarnings(deferred: readonly Deferred[]): string[] {
  const byReason = new Map<string, string[]>()
  for (const { backend, reason } of deferred) {
    const warning = deferralWarning(reason)
    byReason.set(warning, [...(byReason.get(warning) ?? []), backend.name])
  }
  return [...byReason].map(([warning, unsorted]) => {
    const names = unsorted.sort((a, b) => compare(a, b))
    const shown = names.slice(0, NAMED_DEFERRALS).join(', ')
    const more = names.length > NAMED_DEFERRALS ? ` and ${names.length - NAMED_DEFERRALS} more` : ''
    return `${names.length} ${names.length === 1 ? 'backend' : 'backends'} ${warning}: ${shown}${more}`
  })
}

/** The time this cycle's probes were merged at (one value for all of an invocation's probes). */
function firstCheckedAt(probes: Probed[]): string | undefined {
  let earliest: string | undefined
  for (const p of probes) if (!earliest || p.probed.checkedAt < earliest) earliest = p.probed.checkedAt
  return earliest
}

/**
 * What these backends were last published with, from the previous snapshot in KV. A snapshot KV
 * cannot give back (not yet visible here, or from before this layout) leaves them without, and
 * says so.
 */
async function lastPublished(
  kv: KVNamespace,
  meta: StoredMeta | null,
  ids: string[],
  warnings: string[],
): Promise<Map<string, BackendRuntimeState>> {
  if (ids.length === 0 || meta?.schemaVersion !== 2) return new Map()
  try {
    const states = await publishedStates(new SnapshotReader(kv, { metaMaxAgeMs: 0 }), meta, ids)
    for (const state of states.values()) state.pulledModels = state.pulledModels.map(withPublishedFacts)
    return states
  } catch (error) {
    warnings.push(`reading the last published state of failing or deferred backends: ${errorText(error)}`)
    return new Map()
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Subrequests publishing may need: the database is already open, so a spare connection or two. */
export const PUBLISH_SUBREQUESTS = 2

/**
 * KV operations publishing may need for a fleet of this size, held back while probes run: per
 * shard of about 100 backends its template and its /providers chunks written and the values they
 * replace deleted, plus reading the previous shards for stale models; and the views, the moving
 * values, the meta, the daily sweep's lists and the unrecorded-run key.
 */
export function publishKvReserve(backends: number): number {
  return 24 + 10 * Math.ceil(backends / 100)
}
