import type { BackendStatus } from '../published/types'
import { type ArrayViewHeader, type Bytes, decodeArrayView, element, encodeArrayView } from './array-view'
import type { MovingValues } from './state-template'

/**
 * The one value a version writes whatever changed: every backend's moving values, in snapshot
 * order, and the figures /metrics reads. Its header names the version it belongs to, because it is
 * rewritten in place (two slots taken in turn) rather than stored under a key of its own.
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
