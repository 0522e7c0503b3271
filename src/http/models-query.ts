import { z } from 'zod'
import { type FilterProblem, MODEL_KINDS, type ModelKind, type ModelsForm } from '../pages/models-filter'
import { type FactFilter, FACT_FILTER_KEYS } from '../views/fact-filter'
import { factFilterOf, factFilterQuery } from './fact-filter-query'

/**
 * The models page's query: a search, a kind (MODEL_KINDS) and a FactFilter, read with the same
 * schema as /providers and /models so that each field means and says the same. A plain form sends
 * every field, the empty ones too: empty means "any".
 */

/** Older links asked `capability=` for these: the fact filter's own field asks the same now. */
const AS_FACT = { tools: 'tools', vision: 'vision', think: 'reasoning' } as const

export interface ModelsQuery {
  q: string
  kind: ModelKind | ''
  facts: FactFilter
}

export type ModelsQueryResult =
  { ok: true; query: ModelsQuery; form: ModelsForm } | { ok: false; problems: FilterProblem[]; form: ModelsForm }

const MAX_SEARCH = 200
const schema = z.object(factFilterQuery)

export function modelsQuery(query: (name: string) => string | undefined): ModelsQueryResult {
  const text = (name: string) => (query(name) ?? '').trim().slice(0, MAX_SEARCH)
  const form = Object.fromEntries(['q', 'capability', ...FACT_FILTER_KEYS].map((k) => [k, text(k)])) as ModelsForm
  const legacy = Object.hasOwn(AS_FACT, form.capability) ? AS_FACT[form.capability as keyof typeof AS_FACT] : undefined
  if (legacy) {
    form.capability = ''
    if (form[legacy] === '') form[legacy] = 'true'
  }
  const kind = (MODEL_KINDS as readonly string[]).includes(form.capability) ? (form.capability as ModelKind) : ''
  if (kind === '') form.capability = ''
  const asked = Object.fromEntries(FACT_FILTER_KEYS.filter((k) => form[k] !== '').map((k) => [k, form[k]]))
  const parsed = schema.safeParse(asked)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      field: issue.path[0] as keyof FactFilter,
      message: issue.message,
    }))
    return { ok: false, problems, form }
  }
  return { ok: true, query: { q: form.q, kind, facts: factFilterOf(parsed.data) }, form }
}
