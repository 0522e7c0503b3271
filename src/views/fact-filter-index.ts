import type { FactSummary } from '../published/types'
import type { FactFilter, FilterableFacts } from './fact-filter'

export type { FactSummary }

/**
 * A FactFilter answered from a stored view's header instead of its elements: the facts it reads
 * are stored as columns (one value per element), and a summary of the columns says whether any
 * element can match, so that a read skips a whole value. An element matches its columns exactly
 * when factsMatch holds for its facts (tested against it). A column left out, as in a view
 * written before it existed, reads as unknown: it satisfies no condition on it.
 */

/** Tool calling, vision and reasoning: two bits each in the `facts` column, one if known true, one if known false. */
const FLAGS = ['tools', 'vision', 'reasoning'] as const
const flagBit = (flag: (typeof FLAGS)[number], value: boolean) => 1 << (2 * FLAGS.indexOf(flag) + (value ? 0 : 1))

/** Columns a view's header carries, parallel to its elements. */
export interface FactColumns {
  /** `limits.context`; 0: unknown. */
  context?: number[]
  /** `limits.output`; 0: unknown. Left out when none is known, as are the others. */
  output?: number[]
  /** Known tools, vision and reasoning, as bits. */
  facts?: number[]
  /** `pricing.input` and `pricing.output`, USD per million tokens; null: unknown. */
  inputPrice?: (number | null)[]
  outputPrice?: (number | null)[]
  /** The distinct `modalities.input` lists of the view… */
  modalitySets?: string[][]
  /** …and each element's, by position in `modalitySets`; -1: unknown. */
  modalities?: number[]
}

/** A FactFilter as the columns are compared with it. */
export interface FactQuery {
  /** 0: no minimum. */
  minContext: number
  minOutput: number
  /** The bits of `facts` every match has. */
  bits: number
  /** null: no maximum. */
  maxInputPrice: number | null
  maxOutputPrice: number | null
  inputModality: string | null
}

export function factQuery(filter: FactFilter): FactQuery {
  let bits = 0
  for (const flag of FLAGS) if (filter[flag] !== undefined) bits |= flagBit(flag, filter[flag])
  return {
    minContext: filter.minContext ?? 0,
    minOutput: filter.minOutput ?? 0,
    bits,
    maxInputPrice: filter.maxInputPrice ?? null,
    maxOutputPrice: filter.maxOutputPrice ?? null,
    inputModality: filter.inputModality ?? null,
  }
}

/** The tools/vision/reasoning bits of one element's capabilities. */
export function factBits(capabilities: FilterableFacts['capabilities']): number {
  let bits = 0
  for (const flag of FLAGS) {
    const value = capabilities[flag]
    if (value != null) bits |= flagBit(flag, value)
  }
  return bits
}

/** Each element's filterable facts as columns, leaving out a column that knows nothing. */
export function factColumns(elements: readonly FilterableFacts[]): FactColumns & { context: number[] } {
  const columns: FactColumns & { context: number[] } = { context: elements.map((e) => e.limits.context ?? 0) }
  const output = elements.map((e) => e.limits.output ?? 0)
  if (output.some((v) => v > 0)) columns.output = output
  const facts = elements.map((e) => factBits(e.capabilities))
  if (facts.some((v) => v !== 0)) columns.facts = facts
  const inputPrice = elements.map((e) => e.pricing.input)
  if (inputPrice.some((v) => v !== null)) columns.inputPrice = inputPrice
  const outputPrice = elements.map((e) => e.pricing.output)
  if (outputPrice.some((v) => v !== null)) columns.outputPrice = outputPrice
  const sets = elements.map((e) => (e.modalities.input === null ? null : JSON.stringify(e.modalities.input)))
  if (sets.some((s) => s !== null)) {
    const distinct = [...new Set(sets.filter((s): s is string => s !== null))]
    columns.modalitySets = distinct.map((s) => JSON.parse(s) as string[])
    columns.modalities = sets.map((s) => (s === null ? -1 : distinct.indexOf(s)))
  }
  return columns
}

const atMost = (value: number | null | undefined, max: number | null) =>
  max === null || (value !== null && value !== undefined && value <= max)

/** Whether element `i` of the columns matches: built once per view, then asked per element. */
export function columnMatcher(query: FactQuery, columns: FactColumns): (i: number) => boolean {
  const { minContext, minOutput, bits, maxInputPrice, maxOutputPrice, inputModality } = query
  const taking =
    inputModality === null
      ? null
      : new Set((columns.modalitySets ?? []).flatMap((set, k) => (set.includes(inputModality) ? [k] : [])))
  return (i) =>
    (minContext === 0 || (columns.context?.[i] ?? 0) >= minContext) &&
    (minOutput === 0 || (columns.output?.[i] ?? 0) >= minOutput) &&
    ((columns.facts?.[i] ?? 0) & bits) === bits &&
    atMost(columns.inputPrice?.[i], maxInputPrice) &&
    atMost(columns.outputPrice?.[i], maxOutputPrice) &&
    (taking === null || taking.has(columns.modalities?.[i] ?? -1))
}

/** What the columns may match, leaving out what is unknown of every element. */
export function factSummary(columns: FactColumns): FactSummary {
  const largest = (values: number[]) => values.reduce((max, v) => Math.max(max, v), 0)
  const lowest = (prices: (number | null)[]) =>
    prices.reduce<number>((min, p) => (p !== null && p < min ? p : min), Infinity)
  const summary: FactSummary = { maxContext: largest(columns.context ?? []) }
  if (columns.output) summary.maxOutput = largest(columns.output)
  if (columns.facts) summary.facts = columns.facts.reduce((all, bits) => all | bits, 0)
  if (columns.inputPrice) summary.minInputPrice = lowest(columns.inputPrice)
  if (columns.outputPrice) summary.minOutputPrice = lowest(columns.outputPrice)
  if (columns.modalitySets) {
    summary.modalities = [...new Set(columns.modalitySets.flat())].sort()
  }
  return summary
}

/** False when no element of a value with this summary can match. */
export function summaryMayMatch(summary: FactSummary, query: FactQuery): boolean {
  return (
    (query.minContext === 0 || summary.maxContext >= query.minContext) &&
    (query.minOutput === 0 || (summary.maxOutput ?? 0) >= query.minOutput) &&
    ((summary.facts ?? 0) & query.bits) === query.bits &&
    atMost(summary.minInputPrice, query.maxInputPrice) &&
    atMost(summary.minOutputPrice, query.maxOutputPrice) &&
    (query.inputModality === null || (summary.modalities ?? []).includes(query.inputModality))
  )
}
