import type { ObservedModel } from '../providers/types'
import { type Claims, type FactPath, type FactValue, modalityList, withClaim } from './claims'

/**
 * What a provider's listing says of a model, as claims: from the listing itself (`discovered`),
 * or from rules on its name (`rule`) where the adapter marks a fact as ruled. Unknown stays
 * unclaimed: a context of 0, tools null, and a false `canVision`/`canThink` the listing does not state.
 */
export function listingClaims(model: ObservedModel): Claims {
  const ruled = new Set(model.ruled ?? [])
  const stated = model.stated ?? {}
  const from = (fact: string) => (ruled.has(fact as never) ? 'rule' : 'discovered')
  const claims: [FactPath, FactValue | undefined | null, 'rule' | 'discovered'][] = [
    ['limits.context', model.contextLength > 0 ? model.contextLength : undefined, from('contextLength')],
    ['limits.input', stated.inputLimit, 'discovered'],
    ['limits.output', model.maxOutputTokens > 0 ? model.maxOutputTokens : undefined, from('maxOutputTokens')],
    ['capabilities.tools', model.tools, 'discovered'],
    [
      'capabilities.reasoning',
      flag(stated.reasoning, model.canThink, ruled.has('canThink')),
      flagSource(stated.reasoning, from('canThink')),
    ],
    [
      'capabilities.vision',
      flag(stated.vision, model.canVision, ruled.has('canVision')),
      flagSource(stated.vision, from('canVision')),
    ],
    ['capabilities.structuredOutput', stated.structuredOutput, 'discovered'],
    ['capabilities.attachments', stated.attachments, 'discovered'],
    ['modalities.input', stated.modalities?.input && modalityList(stated.modalities.input), 'discovered'],
    ['modalities.output', stated.modalities?.output && modalityList(stated.modalities.output), 'discovered'],
    ['pricing.input', stated.pricing?.input, 'discovered'],
    ['pricing.output', stated.pricing?.output, 'discovered'],
    ['pricing.cacheRead', stated.pricing?.cacheRead, 'discovered'],
    ['pricing.cacheWrite', stated.pricing?.cacheWrite, 'discovered'],
    ['knowledgeCutoff', stated.knowledgeCutoff, 'discovered'],
    ['releaseDate', stated.releaseDate, 'discovered'],
    ['lifecycle', stated.lifecycle, 'discovered'],
  ]
  return claims.reduce<Claims>((all, [path, value, source]) => withClaim(all, path, value, source), {})
}

const flagSource = (stated: boolean | undefined, otherwise: 'rule' | 'discovered') =>
  stated !== undefined ? 'discovered' : otherwise

/** A stated value; else the flat flag when a rule gives it (true or false), or when it is true. */
function flag(stated: boolean | undefined, flat: boolean, ruled: boolean): boolean | undefined {
  if (stated !== undefined) return stated
  return ruled || flat ? flat : undefined
}
