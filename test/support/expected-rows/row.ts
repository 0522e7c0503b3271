import type { ObservedModel } from '../../../src/providers/types'

/**
 * One row of a fixtures README table: `model | ctx | maxOut | chat | embed | prompt | stream |
 * think | vision | tools`, with Y/N/? flags. Tests compare parse results against these rows.
 */
export function row(line: string): Omit<ObservedModel, 'displayName' | 'modifiedAt' | 'size' | 'digest'> {
  const [name, ctx, maxOut, chat, embed, prompt, stream, think, vision, tools] = line.split('|').map((c) => c.trim())
  const yes = (flag: string | undefined) => flag === 'Y'
  return {
    name: name!,
    contextLength: Number(ctx),
    maxOutputTokens: Number(maxOut),
    canChat: yes(chat),
    canEmbed: yes(embed),
    canPrompt: yes(prompt),
    canStream: yes(stream),
    canThink: yes(think),
    canVision: yes(vision),
    tools: tools === '?' ? null : yes(tools),
  }
}

/**
 * The fields a fixtures table speaks about, so extra fields (digest, size, what the listing states
 * beyond the table, …) don't interfere.
 */
export function tableFields(model: ObservedModel) {
  const { displayName: _d, modifiedAt: _m, size: _s, digest: _g, stated: _st, ruled: _r, ...fields } = model
  return fields
}
