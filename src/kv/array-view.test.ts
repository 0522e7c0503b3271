import { describe, expect, it } from 'vitest'
import { decodeArrayView, element, elementRange, encodeArrayView, jsonJoin } from './array-view'

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
const items = [{ a: 1 }, { b: 'ünïcödé ✓ "quoted"\nline' }, [1, 2], 'x', null]

describe('array views', () => {
  const view = decodeArrayView<{ ends: number[]; note: string }>(
    encodeArrayView(
      items.map((i) => JSON.stringify(i)),
      { note: 'kept' },
    ),
  )

  it('keeps what the writer adds to the header', () => {
    expect(view.header.note).toBe('kept')
    expect(view.header.ends).toHaveLength(items.length)
  })

  it('slices each element back out as its own JSON, multi-byte characters included', () => {
    items.forEach((item, i) => expect(JSON.parse(text(element(view, i)))).toEqual(item))
  })

  it('joins ranges into the same bytes JSON.stringify gives the array', () => {
    expect(text(jsonJoin([elementRange(view, 0, items.length)]))).toBe(JSON.stringify(items))
    expect(text(jsonJoin([elementRange(view, 0, 2), elementRange(view, 3, 99)]))).toBe(
      JSON.stringify([items[0], items[1], items[3], items[4]]),
    )
    expect(text(jsonJoin([elementRange(view, 2, 2)]))).toBe('[]')
  })

  it('stores an empty array', () => {
    const empty = decodeArrayView(encodeArrayView([]))
    expect(text(jsonJoin([elementRange(empty, 0, 10)]))).toBe('[]')
  })
})
