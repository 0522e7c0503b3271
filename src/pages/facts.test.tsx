import type { Child } from 'hono/jsx'
import { describe, expect, it } from 'vitest'
import { BADGE_CAPABILITIES } from '../views/fleet'
import { type Fact, shownFactsWith } from '../views/fleet-facts'
import { CapabilityBadges, PriceFacts, SourcedValue, TokensFact, usd } from './facts'

const html = async (node: Child) => await (node as { toString(): string | Promise<string> }).toString()
const unknown: Fact<never> = { value: null, source: 'unknown' }
const bit = (name: (typeof BADGE_CAPABILITIES)[number]) => 1 << BADGE_CAPABILITIES.indexOf(name)

describe('a fact on a page', () => {
  it('says where it came from on hover and in words, and marks a catalog-only value', async () => {
    const listed = await html(<TokensFact fact={{ value: 131072, source: 'discovered' }} what="Context" />)
    expect(listed).toContain(`title="Context: from the provider&#39;s listing"`)
    expect(listed).toContain('128k<span class="sr-only"> (from the provider&#39;s listing)</span>')
    expect(listed).not.toContain('catalog-mark')
    const catalogued = await html(<TokensFact fact={{ value: 200000, source: 'catalog' }} what="Context" />)
    expect(catalogued).toContain('200k<span class="catalog-mark" aria-hidden="true">†</span>')
    expect(catalogued).toContain('(from the models.dev catalog)')
    for (const [source, words] of [
      ['override', 'set by a capability override'],
      ['declared', 'declared by an operator'],
      ['rule', 'from name rules'],
    ] as const) {
      expect(await html(<TokensFact fact={{ value: 1, source }} what="Output" />)).toContain(`title="Output: ${words}"`)
    }
  })

  it('shows an unknown value as a dash, explained', async () => {
    const shown = await html(<TokensFact fact={unknown} what="Output" />)
    expect(shown).toContain('title="Output: unknown: no source states it"')
    expect(shown).toContain('<span aria-hidden="true">–</span><span class="sr-only">Output unknown')
  })

  it('says when a known value has no recorded source', async () => {
    const shown = await html(<SourcedValue fact={{ value: 5, source: 'unknown' }} what="Context" text={String} />)
    expect(shown).toContain('title="Context: source not recorded"')
  })

  it('prices input and output per million tokens, each with its source, one dash when neither is known', async () => {
    expect([usd(3), usd(0.15), usd(0), usd(0.0375), usd(1234.5)]).toEqual(['$3', '$0.15', '$0', '$0.0375', '$1,235'])
    const both = await html(
      <PriceFacts
        facts={{ inputPrice: { value: 3, source: 'catalog' }, outputPrice: { value: 15, source: 'discovered' } }}
      />,
    )
    expect(both).toMatch(/title="Input price: from the models.dev catalog">\$3<span class="catalog-mark"/)
    expect(both).toContain('title="Output price: from the provider&#39;s listing">$15')
    const neither = await html(<PriceFacts facts={{ inputPrice: unknown, outputPrice: unknown }} />)
    expect(neither.match(/–/g)).toHaveLength(1)
    expect(neither).toContain('Price unknown')
  })
})

describe('capability badges', () => {
  const facts = shownFactsWith

  it('badges what holds with its source, marks the unknown, and leaves out what is known not to hold', async () => {
    const shown = await html(
      <CapabilityBadges
        bits={bit('chat') | bit('tools')}
        facts={facts({ tools: { value: true, source: 'catalog' }, vision: { value: false, source: 'discovered' } })}
      />,
    )
    expect(shown).toContain('<li class="cap cap-chat">chat</li>')
    expect(shown).toContain(
      '<li class="cap cap-tools from-catalog" title="Tool calling: from the models.dev catalog">tools',
    )
    expect(shown).not.toContain('>vision')
    expect(shown).toContain('<li class="cap unknown" title="Reasoning: unknown: no source states it">reasoning')
  })

  it('says "none reported" when nothing holds and nothing is unknown', async () => {
    const no = { value: false, source: 'discovered' } as const
    expect(await html(<CapabilityBadges bits={0} facts={facts({ tools: no, vision: no, reasoning: no })} />)).toContain(
      'none reported',
    )
  })
})
