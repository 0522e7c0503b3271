import type { BackendStatus } from '../published/types'
import { type ArrayViewHeader, type Bytes, decodeArrayView, element, encodeArrayView } from './array-view'
import type { MovingValues } from './state-template'

/**
 * The one value a version writes whatever changed: every backend's moving values, in snapshot
 * order, and the figures /metrics reads. Its header names the version it belongs to, because it is
 * rewritten in place (two slots taken in turn) rather than stored under a key of its own.
 *
 * Beside it, the last cycle's figures for /metrics (LAST_CYCLE_KEY): a cycle that publishes no
 * version (nothing changed, or it failed) still moves what /metrics says of the last cycle and of
 * each backend's last success, and a version's moving values cannot say it.
 */

/** What /metrics says of a backend besides its moving figures. */
export type BackendFacts = [id: string, name: string, type: string, status: BackendStatus, models: number]

/** One backend: what fills its template's holes, and its facts. */
export type MovingRecord = [fields: MovingValues['fields'], observedAt: unknown[], facts: BackendFacts]

export interface MovingHeader<C = unknown> extends ArrayViewHeader {
  /** The etag of the version that wrote it. */
  version: string
  /** The publishing cycle's figures. */
  cycle: C
}

export interface MovingView<C = unknown> {
  header: MovingHeader<C>
  count: number
  /** Stored size. */
  bytes: number
  record(i: number): MovingRecord
  values(i: number): MovingValues
}

export function encodeMoving(records: readonly MovingRecord[], version: string, cycle: unknown): Bytes {
  return encodeArrayView(
    records.map((r) => JSON.stringify(r)),
    { version, cycle },
  )
}

/** Records are parsed when first asked for, once per version in an isolate. */
export function decodeMoving<C = unknown>(bytes: Bytes): MovingView<C> {
  const view = decodeArrayView<MovingHeader<C>>(bytes)
  const parsed: MovingRecord[] = []
  const decoder = new TextDecoder()
  const record = (i: number): MovingRecord => {
    if (i < 0 || i >= view.header.ends.length) throw new RangeError(`no moving values for position ${i}`)
    return (parsed[i] ??= JSON.parse(decoder.decode(element(view, i))) as MovingRecord)
  }
  return {
    header: view.header,
    count: view.header.ends.length,
    bytes: view.bytes,
    record,
    values: (i) => {
      const [fields, observedAt] = record(i)
      return { fields, observedAt }
    },
  }
}

/**
 * What the last cycle that published no version left for /metrics. Outside the `snapshot:` prefix,
 * so the snapshot's sweep never takes it; written in place by each such cycle.
 */
export const LAST_CYCLE_KEY = 'metrics:last-cycle'

export interface LastCycle<C = unknown> {
  /** Its figures. */
  cycle: C
  /** Backend id → when it last listed its models, as that cycle settled it; only backends that ever did. */
  lastSuccessAt: Record<string, string>
}

/**
 * Keeps the last cycle's figures (nothing when `last` is null). The cycle is over and recorded by
 * then, so a KV failure here is logged and changes nothing else: /metrics then shows the last
 * published version's figures.
 */
export async function writeLastCycle(kv: KVNamespace, last: LastCycle | null): Promise<void> {
  if (!last) return
  try {
    await kv.put(LAST_CYCLE_KEY, JSON.stringify(last))
  } catch (error) {
    console.warn(JSON.stringify({ msg: 'last cycle not kept for /metrics', error: String(error) }))
  }
}

/** The last cycle's figures, or null when none were kept or KV cannot give them: /metrics still answers. */
export async function readLastCycle<C>(kv: KVNamespace): Promise<LastCycle<C> | null> {
  try {
    // Whatever an earlier version kept: checked before it is read as this version's figures.
    const last = await kv.get<{ cycle?: { startedAt?: unknown } | null; lastSuccessAt?: unknown }>(
      LAST_CYCLE_KEY,
      'json',
    )
    const usable =
      typeof last?.cycle?.startedAt === 'string' &&
      typeof last.lastSuccessAt === 'object' &&
      last.lastSuccessAt !== null
    return usable ? (last as LastCycle<C>) : null
  } catch (error) {
    console.warn(JSON.stringify({ msg: 'last cycle unreadable for /metrics', error: String(error) }))
    return null
  }
}
