import { fnv1a } from '../platform/fnv'

/**
 * Where an ordered list is cut into chunks of about `target` items, chosen by the items' own keys:
 * a chunk starts at an item whose key hashes to 0 modulo `target` (or after `2 × target` items).
 * Adding or removing one item then changes only the chunk it falls in (or splits or joins two), so
 * a publish rewrites that chunk and not every chunk after it, as fixed-size slices would. With
 * `bytes`, a chunk also ends before it would pass `bytes.max`.
 * Returns each chunk's start index.
 */
export function chunkStarts(
  keys: readonly string[],
  target: number,
  bytes?: { sizes: readonly number[]; max: number },
): number[] {
  if (keys.length === 0) return []
  const size = Math.max(1, Math.floor(target))
  const starts = [0]
  let held = bytes?.sizes[0] ?? 0
  for (let i = 1; i < keys.length; i++) {
    const next = bytes?.sizes[i] ?? 0
    const full = i - starts.at(-1)! >= 2 * size || (bytes !== undefined && held + next > bytes.max)
    if (full || fnv1a(keys[i]!) % size === 0) {
      starts.push(i)
      held = 0
    }
    held += next
  }
  return starts
}

/** Splits `items` at `starts`. */
export function splitAt<T>(items: readonly T[], starts: readonly number[]): T[][] {
  return starts.map((start, i) => items.slice(start, starts[i + 1] ?? items.length))
}
