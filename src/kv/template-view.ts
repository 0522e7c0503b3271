import {
  type ArrayView,
  type ArrayViewHeader,
  type Bytes,
  concatBytes,
  elementRange,
  encodeArrayView,
  utf8,
} from './array-view'
import { type MovingValues, type StateTemplate, observedAtOf, runText } from './state-template'

/**
 * A /state shard as stored: an array view of its backends' templates, the header saying where each
 * one's holes are. A read fills them from the version's moving values: it copies the template's
 * bytes around a few short texts per backend (its run of moving fields, one timestamp per model),
 * which costs about what sending those bytes costs, and parses nothing of the template.
 */
export interface TemplateHeader extends ArrayViewHeader {
  /** The runs of moving fields the holes name: hole n ≥ 1 is runs[n - 1]. */
  runs: string[][]
  /** Per element, the byte offset of each of its holes. */
  cuts: number[][]
  /** Per element, each hole: 0 for the next observedAt, n ≥ 1 for runs[n - 1]. */
  holes: number[][]
}

const COMMA = utf8(',')
// eslint-disable-next-line no-control-regex -- every ASCII character, control ones too.
const ASCII = /^[\x00-\x7f]*$/

/** UTF-8 length of a text, without encoding it when it is ASCII (the usual case). */
export function byteLength(text: string): number {
  return ASCII.test(text) ? text.length : utf8(text).length
}

export function encodeTemplates(templates: readonly StateTemplate[]): Bytes {
  const runs: string[][] = []
  const runIndex = new Map<string, number>()
  const cuts: number[][] = []
  const holes: number[][] = []
  for (const template of templates) {
    let at = 0
    const elementCuts: number[] = []
    template.holes.forEach((hole, i) => {
      at += byteLength(template.parts[i]!)
      elementCuts.push(at)
    })
    cuts.push(elementCuts)
    holes.push(
      template.holes.map((hole) => {
        if (hole === 0) return 0
        const name = hole.join('\u0000')
        let index = runIndex.get(name)
        if (index === undefined) {
          index = runs.push(hole)
          runIndex.set(name, index)
        }
        return index
      }),
    )
  }
  return encodeArrayView(
    templates.map((t) => t.parts.join('')),
    { runs, cuts, holes },
  )
}

/** Elements `from` up to `to` with their holes filled, comma-joined as in the stored body. */
export function spliceRange(
  view: ArrayView<TemplateHeader>,
  from: number,
  to: number,
  movingAt: (element: number) => MovingValues,
): Bytes {
  const pieces: Bytes[] = []
  const end = Math.min(to, view.header.ends.length)
  for (let i = from; i < end; i++) {
    if (i > from) pieces.push(COMMA)
    pushElement(pieces, view, i, movingAt)
  }
  return concatBytes(pieces)
}

/** A whole shard filled: an array view of its backends' JSON, as the shard stored before templates was. */
export function fillShard(view: ArrayView<TemplateHeader>, movingAt: (element: number) => MovingValues): ArrayView {
  const pieces: Bytes[] = []
  const ends: number[] = []
  let at = -1
  for (let i = 0; i < view.header.ends.length; i++) {
    if (i > 0) pieces.push(COMMA)
    const first = pieces.length
    pushElement(pieces, view, i, movingAt)
    at += 1
    for (let p = first; p < pieces.length; p++) at += pieces[p]!.length
    ends.push(at)
  }
  const body = concatBytes(pieces)
  return { header: { ends }, body, bytes: body.length }
}

export function spliceElement(view: ArrayView<TemplateHeader>, i: number, moving: MovingValues): Bytes {
  return spliceRange(view, i, i + 1, () => moving)
}

function pushElement(
  pieces: Bytes[],
  view: ArrayView<TemplateHeader>,
  i: number,
  movingAt: (element: number) => MovingValues,
): void {
  const element = elementRange(view, i, i + 1)
  const cuts = view.header.cuts[i] ?? []
  if (cuts.length === 0) {
    pieces.push(element)
    return
  }
  const holes = view.header.holes[i]!
  const moving = movingAt(i)
  let observed: Bytes | undefined
  let k = 0
  let at = 0
  cuts.forEach((cut, h) => {
    pieces.push(element.subarray(at, cut))
    const hole = holes[h]!
    if (hole === 0) {
      // Usually one value for all of a backend's models: encoded once.
      const shared = moving.observedAt.length === 1
      const text = shared && observed ? observed : utf8(JSON.stringify(observedAtOf(moving, k)))
      if (shared) observed = text
      pieces.push(text)
      k++
    } else {
      pieces.push(utf8(runText(view.header.runs[hole - 1]!, moving)))
    }
    at = cut
  })
  pieces.push(element.subarray(at))
}
