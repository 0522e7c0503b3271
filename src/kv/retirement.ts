import type { RetiredValue } from '../published/types'

export type { RetiredValue }

/**
 * Which stored values a version writes, deletes and keeps for later, as a pure decision. Values
 * are named by their bytes, so a version writes only the ones KV does not hold: those neither the
 * previous version names nor are waiting to be deleted. A value the previous version named and
 * this one does not is "retired", with the time it was retired. A read that began on an older
 * version (a slow /state stream, say) may still want it, so it is deleted only once it was retired
 * before the previous version and at least RETIRED_FOR_MS ago, by a version that writes values
 * anyway: a heartbeat writes none, so it deletes nothing and stays at two writes (its moving values
 * and the meta). The daily list that finds values an interrupted publish left behind runs with
 * such a version too.
 */

/** How often stored values are listed to find those an interrupted publish left behind. */
export const SWEEP_INTERVAL_MS = 24 * 3600 * 1000

/** How long a retired value is kept at least, for reads that began on an older version. */
export const RETIRED_FOR_MS = 60_000

export interface RetirementInput {
  /** The values this version names. */
  named: ReadonlySet<string>
  /** The values the previous version names. */
  previous: ReadonlySet<string>
  /** The values retired before and not yet deleted (the previous meta's `retired`). */
  retired: readonly RetiredValue[]
  /** When the previous version was written; undefined without one. */
  previousWrittenAt: string | undefined
  /** When stored values were last listed. */
  sweptAt: string | undefined
  now: Date
}

export interface RetirementPlan {
  /** Named, and not in KV: to put. */
  fresh: string[]
  /** Retired before the previous version and long enough ago, named by neither: to delete now. */
  deletable: string[]
  /** This version's `retired`. */
  retired: RetiredValue[]
  /** Whether to list the stored values for leftovers now. */
  sweep: boolean
  /** This version's `sweptAt`. */
  sweptAt: string | undefined
}

export function planRetirement(input: RetirementInput): RetirementPlan {
  const held = new Set([...input.previous, ...input.retired.map((r) => r.key)])
  const fresh = [...input.named].filter((key) => !held.has(key))
  const writes = fresh.length > 0
  const now = input.now.getTime()
  const previousAt = input.previousWrittenAt ? Date.parse(input.previousWrittenAt) : now
  const due = (r: RetiredValue) => Date.parse(r.since) < previousAt && now - Date.parse(r.since) >= RETIRED_FOR_MS
  const waiting = input.retired.filter((r) => !input.named.has(r.key))
  const deletable = writes ? waiting.filter(due).map((r) => r.key) : []
  const dropped = new Set(deletable)
  const waitingKeys = new Set(waiting.map((r) => r.key))
  const newlyRetired = [...input.previous]
    .filter((key) => !input.named.has(key) && !waitingKeys.has(key))
    .map((key) => ({ key, since: input.now.toISOString() }))
  const sweep =
    writes &&
    input.previousWrittenAt !== undefined &&
    (input.sweptAt === undefined || now - Date.parse(input.sweptAt) >= SWEEP_INTERVAL_MS)
  return {
    fresh,
    deletable,
    retired: [...waiting.filter((r) => !dropped.has(r.key)), ...newlyRetired],
    sweep,
    sweptAt: sweep ? input.now.toISOString() : input.sweptAt,
  }
}

/**
 * A meta's `retired`, whichever way it was written: a version from before retirement times listed
 * keys only, read as retired when that version was written.
 */
export function retiredValues(
  retired: readonly (string | RetiredValue)[] | undefined,
  writtenAt: string,
): RetiredValue[] {
  return (retired ?? []).map((r) => (typeof r === 'string' ? { key: r, since: writtenAt } : r))
}
