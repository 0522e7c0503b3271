import { z } from 'zod'
import { FACT_FILTER_KEYS, type FactFilter, normalFactFilter } from '../views/fact-filter'
import { wholeNumber } from './input'

const yesNo = (field: string) =>
  z
    .enum(['true', 'false'], { error: `${field} must be true or false` })
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true'))

const price = (field: string) =>
  z.coerce
    .number({ error: `${field} must be a number (USD per million tokens)` })
    .min(0, `${field} must be at least 0`)
    .max(1_000_000, `${field} must be at most 1000000`)
    .optional()

/**
 * The query parameters of a FactFilter, shared by /providers, /models and the models page, so
 * that each says the same thing and names the same field when it is wrong.
 */
export const factFilterQuery = {
  tools: yesNo('tools'),
  vision: yesNo('vision'),
  reasoning: yesNo('reasoning'),
  minContext: wholeNumber('minContext', { min: 0 }).optional(),
  minOutput: wholeNumber('minOutput', { min: 0 }).optional(),
  maxInputPrice: price('maxInputPrice'),
  maxOutputPrice: price('maxOutputPrice'),
  inputModality: z
    .string({ error: 'inputModality must be a string' })
    .trim()
    .toLowerCase()
    .regex(/^[a-z]{1,32}$/, 'inputModality must be a modality name such as text, image, audio, video or pdf')
    .optional(),
} satisfies Record<keyof FactFilter, z.ZodType>

/**
 * The filter a parsed query asks, without the conditions it leaves out or that ask nothing (a
 * minimum of 0 tokens), so that equal filters compare equal.
 */
export function factFilterOf(query: { [K in keyof FactFilter]?: FactFilter[K] }): FactFilter {
  const asked: FactFilter = {}
  for (const key of FACT_FILTER_KEYS) if (query[key] !== undefined) Object.assign(asked, { [key]: query[key] })
  return normalFactFilter(asked)
}
