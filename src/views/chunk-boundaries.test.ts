import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { chunkStarts, splitAt } from './chunk-boundaries'

const ids = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 300 })
const chunksOf = (keys: string[], target: number) =>
  splitAt(keys, chunkStarts(keys, target)).map((c) => c.join('\u0000'))

describe('content-defined chunk boundaries', () => {
  it('covers every item once, in order, with no chunk past twice the target', () => {
    fc.assert(
      fc.property(ids, fc.integer({ min: 1, max: 20 }), (keys, target) => {
        const chunks = splitAt(keys, chunkStarts(keys, target))
        expect(chunks.flat()).toEqual(keys)
        expect(chunks.every((c) => c.length >= 1 && c.length <= 2 * target)).toBe(true)
      }),
    )
  })

  it('changes at most the few chunks around one inserted item', () => {
    fc.assert(
      fc.property(ids, fc.string({ minLength: 1, maxLength: 12 }), fc.nat(), (keys, extra, at) => {
        fc.pre(!keys.includes(extra))
        const target = 8
        const before = new Set(chunksOf(keys, target))
        const withOne = [...keys.slice(0, at % (keys.length + 1)), extra, ...keys.slice(at % (keys.length + 1))]
        const after = splitAt(withOne, chunkStarts(withOne, target))
        const changed = after.filter((c) => !before.has(c.join('\u0000')))
        // Its own chunk (split in two at most), and chunks cut by size rather than by key after it
        // until the next cut by key.
        const cutBySize = after.filter((c) => c.length === 2 * target).length
        expect(changed.length).toBeLessThanOrEqual(2 + cutBySize)
      }),
    )
    // With no forced cuts in play, one insertion changes one or two chunks.
    const keys = Array.from({ length: 400 }, (_, i) => `backend-${i}`)
    const before = new Set(chunksOf(keys, 8))
    const withOne = [...keys.slice(0, 200), 'backend-new', ...keys.slice(200)]
    expect(chunksOf(withOne, 8).filter((c) => !before.has(c)).length).toBeLessThanOrEqual(2)
  })

  it('ends a chunk before it passes the byte budget', () => {
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`)
    const sizes = keys.map((_, i) => 10 + (i % 7))
    const starts = chunkStarts(keys, 1000, { sizes, max: 40 })
    for (const chunk of splitAt(
      keys.map((_, i) => i),
      starts,
    )) {
      expect(chunk.length === 1 || chunk.reduce((n, i) => n + sizes[i]!, 0) <= 40).toBe(true)
    }
  })
})
