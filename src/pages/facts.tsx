import type { FactSource } from '../published/types'
import { capabilitiesOf } from '../views/fleet'
import type { Fact, ShownFacts } from '../views/fleet-facts'
import { contextLabel } from '../views/context-label'

/**
 * A model's facts as the pages show them: each value with its source on hover (`title`) and, for
 * screen readers, in words beside it; a value only the catalog gives marked with a dagger, which
 * the legend explains; an unknown value as "–".
 */

/** Where a value came from, in words (FACT_SOURCES). */
export const SOURCE_WORDS: Record<FactSource, string> = {
  override: 'set by a capability override',
  discovered: "from the provider's listing",
  declared: 'declared by an operator',
  catalog: 'from the models.dev catalog',
  rule: 'from name rules',
  unknown: 'unknown: no source states it',
}

/** Where a value came from, in words; a known value without a recorded source says so. */
export function sourceWords(fact: Fact<unknown>): string {
  return fact.value !== null && fact.source === 'unknown' ? 'source not recorded' : SOURCE_WORDS[fact.source]
}

/** Marks a value that only the models.dev catalog gives. */
export const CATALOG_MARK = '†'

/** USD per million tokens: `$3`, `$0.15`, `$0` for a model known to be free. */
export function usd(value: number): string {
  return `$${value.toLocaleString('en-US', { maximumSignificantDigits: 4 })}`
}

/** A value with its source; `what` names it in the hover text, e.g. "Context". */
export function SourcedValue<T>(props: { fact: Fact<T>; text: (value: T) => string; what: string }) {
  const { fact, what } = props
  if (fact.value === null) {
    return (
      <span class="fact unknown" title={`${what}: ${SOURCE_WORDS.unknown}`}>
        <span aria-hidden="true">–</span>
        <span class="sr-only">{`${what} unknown: no source states it`}</span>
      </span>
    )
  }
  return (
    <span class={`fact from-${fact.source}`} title={`${what}: ${sourceWords(fact)}`}>
      {props.text(fact.value)}
      <SourceMarks fact={fact} />
    </span>
  )
}

/** After a known value: the catalog's mark when only the catalog gives it, and its source in words for screen readers. */
function SourceMarks({ fact }: { fact: Fact<unknown> }) {
  return (
    <>
      {fact.source === 'catalog' ? (
        <span class="catalog-mark" aria-hidden="true">
          {CATALOG_MARK}
        </span>
      ) : null}
      <span class="sr-only">{` (${sourceWords(fact)})`}</span>
    </>
  )
}

export function TokensFact({ fact, what }: { fact: Fact<number>; what: string }) {
  return <SourcedValue fact={fact} what={what} text={contextLabel} />
}

/** Input and output price per million tokens; one "–" when neither is known. */
export function PriceFacts({ facts }: { facts: Pick<ShownFacts, 'inputPrice' | 'outputPrice'> }) {
  const { inputPrice, outputPrice } = facts
  if (inputPrice.value === null && outputPrice.value === null) {
    return <SourcedValue fact={inputPrice} what="Price" text={usd} />
  }
  return (
    <span class="prices">
      <span>
        <SourcedValue fact={inputPrice} what="Input price" text={usd} /> in
      </span>{' '}
      <span>
        <SourcedValue fact={outputPrice} what="Output price" text={usd} /> out
      </span>
    </span>
  )
}

/** What the marks in a table of facts mean. */
export function FactsLegend() {
  return (
    <p class="legend meta">
      <span>{`${CATALOG_MARK} only from the models.dev catalog: no listing, declaration or override states it.`}</span>{' '}
      <span>– or ?: unknown.</span> <span>Prices in USD per million tokens. Hover a value for its source.</span>
    </p>
  )
}

/** Tool calling, vision and reasoning: what the facts say, each with its source. */
const SOURCED: { key: 'tools' | 'vision' | 'reasoning'; label: string; what: string }[] = [
  { key: 'tools', label: 'tools', what: 'Tool calling' },
  { key: 'vision', label: 'vision', what: 'Vision' },
  { key: 'reasoning', label: 'reasoning', what: 'Reasoning' },
]

/**
 * Chat and embed from the bits; tools, vision and reasoning from the facts: a badge with its
 * source when known to hold, a dashed one marked "?" when unknown, none when known not to.
 */
export function CapabilityBadges({ bits, facts }: { bits: number; facts: ShownFacts }) {
  const plain = capabilitiesOf(bits).filter((c): c is 'chat' | 'embed' => c === 'chat' || c === 'embed')
  const sourced = SOURCED.filter(({ key }) => facts[key].value !== false)
  if (plain.length === 0 && sourced.length === 0) return <span class="muted">none reported</span>
  return (
    <ul class="caps" role="list">
      {plain.map((capability) => (
        <li class={`cap cap-${capability}`}>{capability}</li>
      ))}
      {sourced.map(({ key, label, what }) => {
        const fact = facts[key]
        if (fact.value === null) {
          return (
            <li class="cap unknown" title={`${what}: ${SOURCE_WORDS.unknown}`}>
              {label}
              <span aria-hidden="true">?</span>
              <span class="sr-only"> unknown</span>
            </li>
          )
        }
        return (
          <li class={`cap cap-${key} from-${fact.source}`} title={`${what}: ${sourceWords(fact)}`}>
            {label}
            <SourceMarks fact={fact} />
          </li>
        )
      })}
    </ul>
  )
}
