import type { FactSource, ModelCatalogFacts } from '../published/types'
import type { FilterableFacts } from './fact-filter'

/**
 * The facts the status pages show of a model beside its capability bits (context, output, prices,
 * tool calling, vision, reasoning), each with where it came from, packed small: the fleet view is
 * stored in KV and read on every page view, and most self-hosted models know little beyond their
 * context, so what is unknown is left off the end of a model's tuple.
 */

/** The facts whose sources a model keeps, in the order of its `sources` letters. */
export const SOURCED_FACTS = ['context', 'output', 'inputPrice', 'outputPrice', 'tools', 'vision', 'reasoning'] as const
export type SourcedFact = (typeof SOURCED_FACTS)[number]

/**
 * One letter per source. Letters rather than positions in FACT_SOURCES, so that a stored view reads
 * the same after that list changes; never reuse a letter.
 */
const SOURCE_LETTER: Record<FactSource, string> = {
  override: 'o',
  discovered: 'l',
  declared: 'd',
  catalog: 'c',
  rule: 'r',
  unknown: 'u',
}
const SOURCE_OF_LETTER = new Map(
  Object.entries(SOURCE_LETTER).map(([source, letter]) => [letter, source as FactSource]),
)

/**
 * What a model's tuple holds after its capability bits, context and staleness (see FleetModel):
 * the sources (one letter per SOURCED_FACTS, trailing unknowns left off), the output limit (0 =
 * unknown), the input and output price (USD per million tokens, null = unknown), and the input
 * modalities joined by commas (null = unknown). Whatever is unknown at the end is left off.
 */
export type FactsTail = [
  sources?: string,
  maxOutput?: number,
  inputPrice?: number | null,
  outputPrice?: number | null,
  inputModalities?: string | null,
]

/** The value of an element left off the end, by position in FactsTail. */
const LEFT_OFF: readonly (string | number | null)[] = ['', 0, null, null, null]

export function factsTail(facts: ModelCatalogFacts): FactsTail {
  const { limits, pricing, modalities, sources } = facts
  const bySource: Record<SourcedFact, FactSource> = {
    context: sources.limits.context,
    output: sources.limits.output,
    inputPrice: sources.pricing.input,
    outputPrice: sources.pricing.output,
    tools: sources.capabilities.tools,
    vision: sources.capabilities.vision,
    reasoning: sources.capabilities.reasoning,
  }
  const letters = SOURCED_FACTS.map((fact) => SOURCE_LETTER[bySource[fact]]).join('')
  const tail: FactsTail = [
    letters.replace(/u+$/, ''),
    limits.output ?? 0,
    pricing.input,
    pricing.output,
    modalities.input === null ? null : modalities.input.join(','),
  ]
  while (tail.length > 0 && tail.at(-1) === LEFT_OFF[tail.length - 1]) tail.pop()
  return tail
}

/** A value a page shows, with where it came from; null when no source says. */
export interface Fact<T> {
  value: T | null
  source: FactSource
}

export interface ShownFacts {
  context: Fact<number>
  output: Fact<number>
  inputPrice: Fact<number>
  outputPrice: Fact<number>
  tools: Fact<boolean>
  vision: Fact<boolean>
  reasoning: Fact<boolean>
  /** Lower-case, e.g. `text`, `image`; null when unknown. */
  inputModalities: string[] | null
}

/** What the capability bits say of tools, vision and reasoning (true only). */
export interface CapabilityFlags {
  tools: boolean
  vision: boolean
  reasoning: boolean
}

/**
 * The facts back from a tuple's context and tail, the capabilities' values from its bits: a
 * capability whose bit is off is false when a source says so, else unknown. A value with no source
 * letter (a view stored before facts had sources) keeps the source `unknown`.
 */
export function shownFacts(contextLength: number, flags: CapabilityFlags, tail: FactsTail): ShownFacts {
  const [letters = '', maxOutput = 0, inputPrice = null, outputPrice = null, inputModalities = null] = tail
  const source = (fact: SourcedFact): FactSource =>
    SOURCE_OF_LETTER.get(letters[SOURCED_FACTS.indexOf(fact)] ?? 'u') ?? 'unknown'
  const fact = <T>(name: SourcedFact, value: T | null): Fact<T> =>
    value === null ? { value: null, source: 'unknown' } : { value, source: source(name) }
  const flag = (name: SourcedFact, on: boolean): Fact<boolean> =>
    fact(name, on ? true : source(name) === 'unknown' ? null : false)
  return {
    context: fact('context', contextLength > 0 ? contextLength : null),
    output: fact('output', maxOutput > 0 ? maxOutput : null),
    inputPrice: fact('inputPrice', inputPrice),
    outputPrice: fact('outputPrice', outputPrice),
    tools: flag('tools', flags.tools),
    vision: flag('vision', flags.vision),
    reasoning: flag('reasoning', flags.reasoning),
    inputModalities: inputModalities === null ? null : inputModalities.split(',').filter(Boolean),
  }
}

/** The facts as a FactFilter reads them, so a page filters on exactly the values it shows. */
export function filterableFacts(facts: ShownFacts): FilterableFacts {
  return {
    limits: { context: facts.context.value, output: facts.output.value },
    capabilities: { tools: facts.tools.value, vision: facts.vision.value, reasoning: facts.reasoning.value },
    pricing: { input: facts.inputPrice.value, output: facts.outputPrice.value },
    modalities: { input: facts.inputModalities },
  }
}

/** Shown facts that no source states, with what a test (or a caller) gives laid over them. */
export function shownFactsWith(over: Partial<ShownFacts> = {}): ShownFacts {
  const unknown: Fact<never> = { value: null, source: 'unknown' }
  return {
    context: unknown,
    output: unknown,
    inputPrice: unknown,
    outputPrice: unknown,
    tools: unknown,
    vision: unknown,
    reasoning: unknown,
    inputModalities: null,
    ...over,
  }
}
