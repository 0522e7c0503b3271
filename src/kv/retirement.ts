/**
 * Which stored values a version writes, deletes and keeps for later, as a pure decision. Values
 * are named by their bytes, so a version writes only the ones KV does not hold: those neither the
 * previous version names nor are waiting to be deleted. A value the previous version named and
 * this one does not is "retired": readers one version behind may still read it, so it waits. It is
 * deleted by a later version that writes values anyway; a heartbeat writes none, so it deletes
 * nothing and stays at two writes (its moving values and the meta). The daily list that finds
 * values an interrupted publish left behind runs with such a version too.
 */

/** How often stored values are listed to find those an interrupted publish left behind. */
export const SWEEP_INTERVAL_MS = 24 * 3600 * 1000

export interface RetirementInput {
  /** The values this version names. */
  named: ReadonlySet<string>
  /** The values the previous version names. */
  previous: ReadonlySet<string>
  /** The values retired before and not yet deleted (the previous meta's `retired`). */
  retired: readonly string[]
  /** Whether there is a previous version at all: without one, nothing stored is known to be old. */
  hasPrevious: boolean
  /** When stored values were last listed. */
  sweptAt: string | undefined
  now: Date
}

export interface RetirementPlan {
  /** Named, and not in KV: to put. */
  fresh: string[]
  /** Retired by an earlier version, named by neither this one nor the previous one: to delete now. */
  deletable: string[]
  /** This version's `retired`. */
  retired: string[]
  /** Whether to list the stored values for leftovers now. */
  sweep: boolean
  /** This version's `sweptAt`. */
  sweptAt: string | undefined
}

export function planRetirement(input: RetirementInput): RetirementPlan {
  const held = new Set([...input.previous, ...input.retired])
  const fresh = [...input.named].filter((key) => !held.has(key))
  const writes = fresh.length > 0
  const deletable = writes ? input.retired.filter((key) => !input.named.has(key)) : []
  const dropped = new Set(deletable)
  const sweep =
    writes &&
    input.hasPrevious &&
    (input.sweptAt === undefined || input.now.getTime() - Date.parse(input.sweptAt) >= SWEEP_INTERVAL_MS)
  return {
    fresh,
    deletable,
    retired: [...held].filter((key) => !input.named.has(key) && !dropped.has(key)),
    sweep,
    sweptAt: sweep ? input.now.toISOString() : input.sweptAt,
  }
}
