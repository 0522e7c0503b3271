import type { BackendRuntimeState, ModelPricing } from '../published/types'
import { type MergedEntry, mergedEntries } from './models'

/**
 * The OpenAI `GET /v1/models` list shape, so OpenAI clients can discover what is served, with
 * OpenRouter's additions where they are known: `context_length` (the largest any backend knows)
 * and `pricing` (one backend's: see MergedEntry's quote) as USD per token in decimal strings.
 */
export interface OpenAIModel {
  id: string
  object: 'model'
  created: number
  owned_by: string
  context_length?: number
  pricing?: OpenAIPricing
}

export interface OpenAIPricing {
  prompt: string
  completion: string
  input_cache_read?: string
  input_cache_write?: string
}

export function openAIModelList(backends: readonly BackendRuntimeState[], createdAt: Date) {
  return { object: 'list' as const, data: openAIModels(mergedEntries(backends), createdAt) }
}

/** The OpenAI list's elements for merged models. */
export function openAIModels(entries: readonly MergedEntry[], createdAt: Date): OpenAIModel[] {
  const created = Math.floor(createdAt.getTime() / 1000)
  return entries.map(({ model, quote }) => {
    const context = model.limits.context
    return {
      id: model.id,
      object: 'model' as const,
      created,
      owned_by: 'runtime',
      ...(context !== null ? { context_length: context } : {}),
      ...(quote ? { pricing: openAIPricing(quote) } : {}),
    }
  })
}

/** A quote (both prices known) per token. */
function openAIPricing(quote: ModelPricing): OpenAIPricing {
  return {
    prompt: perToken(quote.input!),
    completion: perToken(quote.output!),
    ...(quote.cacheRead !== null ? { input_cache_read: perToken(quote.cacheRead) } : {}),
    ...(quote.cacheWrite !== null ? { input_cache_write: perToken(quote.cacheWrite) } : {}),
  }
}

/**
 * USD per million tokens as USD per token in plain decimal, exactly (`3` → `"0.000003"`, `0.15`
 * → `"0.00000015"`): the shortest digits of the number, moved six places, never in exponent form.
 */
export function perToken(perMillion: number): string {
  const [mantissa, exponent] = Math.abs(perMillion).toExponential().split('e') as [string, string]
  const digits = mantissa.replace('.', '')
  if (/^0+$/.test(digits)) return '0'
  // Digits before the decimal point.
  const point = Number(exponent) - 6 + 1
  const plain =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? `${digits}${'0'.repeat(point - digits.length)}`
        : `${digits.slice(0, point)}.${digits.slice(point)}`
  return perMillion < 0 ? `-${plain}` : plain
}
