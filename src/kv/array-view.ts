/**
 * A stored JSON array a read can answer from without parsing it: one line of JSON header (the byte
 * offset where each element ends, plus whatever the writer adds), a newline, then the elements'
 * JSON joined by commas. A read slices elements out as bytes and sends them as they are.
 */

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const NEWLINE = 0x0a
const COMMA = utf8(',')

/** Bytes over a plain ArrayBuffer, as a Response body takes them. */
export type Bytes = Uint8Array<ArrayBuffer>

export interface ArrayViewHeader {
  /** ends[i]: the byte offset in the body just past element i. */
  ends: number[]
}

export interface ArrayView<H extends ArrayViewHeader = ArrayViewHeader> {
  header: H
  body: Bytes
  /** Stored size, header included. */
  bytes: number
}

/** Encodes elements (each already JSON) with `extra` in the header; JSON text never holds a raw newline. */
export function encodeArrayView(elements: readonly string[], extra: object = {}): Bytes {
  const parts = elements.map((e) => utf8(e))
  const ends: number[] = []
  let at = -1
  for (const part of parts) {
    at += 1 + part.length
    ends.push(at)
  }
  const header = utf8(`${JSON.stringify({ ...extra, ends })}\n`)
  return concatBytes([header, ...joinWith(parts, COMMA)])
}

export function decodeArrayView<H extends ArrayViewHeader = ArrayViewHeader>(bytes: Bytes): ArrayView<H> {
  const newline = bytes.indexOf(NEWLINE)
  if (newline < 0) throw new Error('stored array view has no header line')
  const header = JSON.parse(decoder.decode(bytes.subarray(0, newline))) as H
  return { header, body: bytes.subarray(newline + 1), bytes: bytes.length }
}

/** Elements `from` up to (not including) `to`, still joined by their commas. */
export function elementRange(view: ArrayView, from: number, to: number): Bytes {
  const ends = view.header.ends
  const end = Math.min(to, ends.length)
  if (from >= end) return new Uint8Array(0)
  const start = from === 0 ? 0 : ends[from - 1]! + 1
  return view.body.subarray(start, ends[end - 1])
}

export function element(view: ArrayView, index: number): Bytes {
  return elementRange(view, index, index + 1)
}

/** `open` + the non-empty parts joined by commas + `close`: a JSON array (or object) from element runs. */
export function jsonJoin(parts: readonly Bytes[], open = '[', close = ']'): Bytes {
  const filled = parts.filter((p) => p.length > 0)
  return concatBytes([utf8(open), ...joinWith(filled, COMMA), utf8(close)])
}

export function concatBytes(parts: readonly Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

function joinWith(parts: readonly Bytes[], separator: Bytes): Bytes[] {
  return parts.flatMap((part, i) => (i === 0 ? [part] : [separator, part]))
}

/** TextEncoder always answers a fresh, plain ArrayBuffer; the types only say ArrayBufferLike. */
export function utf8(text: string): Bytes {
  return encoder.encode(text) as Bytes
}
