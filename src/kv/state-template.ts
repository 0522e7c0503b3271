import type { BackendRuntimeState } from '../published/types'

/**
 * A backend's state cut in two: a template (its JSON with holes where the moving values go) and the
 * moving values that fill them. What moves every cycle without changing what the state means
 * (timestamps, counters, latencies, uptime, the wording of errors, when its model list was read) is
 * published once per version in one value, so a version in which only those moved rewrites no
 * template. Template + moving values gives back exactly `JSON.stringify(state)`.
 */

/** Top-level fields whose values move from cycle to cycle. Whether a state has one is in its template. */
export const MOVING_FIELDS = [
  'checkedAt',
  'lastSuccessAt',
  'consecutiveFailures',
  'latencyMs',
  'uptime',
  'latency24h',
  'retryAfterUntil',
  'error',
  'warnings',
] as const

export type MovingField = (typeof MOVING_FIELDS)[number]
const MOVING: ReadonlySet<string> = new Set(MOVING_FIELDS)

/** A hole: 0, the next model's observedAt; or a run of adjacent moving fields, by name in order. */
export type Hole = 0 | string[]

export interface StateTemplate {
  /** The JSON around the holes, one more part than holes. */
  parts: string[]
  holes: Hole[]
}

/** What fills one state's holes. */
export interface MovingValues {
  fields: Partial<Pick<BackendRuntimeState, MovingField>>
  /** Its models' observedAt, in order; a single value when they all share it (the usual case). */
  observedAt: unknown[]
}

/** JSON.stringify of a value, undefined for what JSON leaves out of an object. */
const json = (value: unknown): string | undefined => JSON.stringify(value)

/** Whether a model's observedAt is a hole: the rule the /providers chunks count holes by too. */
export function hasObservedAt(model: unknown): model is { observedAt: unknown } {
  return (
    typeof model === 'object' &&
    model !== null &&
    !Array.isArray(model) &&
    json((model as { observedAt?: unknown }).observedAt) !== undefined
  )
}

export function cutState(state: BackendRuntimeState): { template: StateTemplate; moving: MovingValues } {
  const parts: string[] = []
  const holes: Hole[] = []
  const fields: Record<string, unknown> = {}
  const observed: unknown[] = []
  let text = '{'
  let run: string[] | null = null
  let first = true
  for (const [key, value] of Object.entries(state)) {
    const valueText = json(value)
    if (valueText === undefined) continue
    const comma = first ? '' : ','
    first = false
    if (MOVING.has(key)) {
      fields[key] = value
      if (run) {
        run.push(key)
      } else {
        run = [key]
        parts.push(text + comma)
        holes.push(run)
        text = ''
      }
      continue
    }
    run = null
    text += `${comma}${json(key)}:`
    if (key === 'pulledModels' && Array.isArray(value)) {
      text = cutModels(value, text, parts, holes, observed)
    } else {
      text += valueText
    }
  }
  parts.push(`${text}}`)
  return { template: { parts, holes }, moving: { fields, observedAt: compact(observed) } }
}

/** The models array, each model's observedAt cut out; returns the text after the last cut. */
function cutModels(models: unknown[], text: string, parts: string[], holes: Hole[], observed: unknown[]): string {
  text += '['
  models.forEach((model, i) => {
    if (i > 0) text += ','
    if (!hasObservedAt(model)) {
      text += json(model) ?? 'null'
      return
    }
    text += '{'
    let first = true
    for (const [key, value] of Object.entries(model)) {
      const valueText = json(value)
      if (valueText === undefined) continue
      text += `${first ? '' : ','}${json(key)}:`
      first = false
      if (key === 'observedAt') {
        parts.push(text)
        holes.push(0)
        observed.push(value)
        text = ''
      } else {
        text += valueText
      }
    }
    text += '}'
  })
  return `${text}]`
}

/** One value when every one is the same (compared as JSON), else all of them. */
function compact(values: unknown[]): unknown[] {
  if (values.length === 0) return []
  const firstText = json(values[0])
  return values.every((v) => json(v) === firstText) ? [values[0]] : values
}

/** The k-th observedAt of a state's moving values. */
export function observedAtOf(moving: MovingValues, k: number): unknown {
  const value = moving.observedAt.length === 1 ? moving.observedAt[0] : moving.observedAt[k]
  if (value === undefined) throw new MovingValueMissingError(`observedAt #${k}`)
  return value
}

/** The text of a run hole: its fields as object members, comma-joined. */
export function runText(run: readonly string[], moving: MovingValues): string {
  const fields = moving.fields as Record<string, unknown>
  return run
    .map((key) => {
      const valueText = json(fields[key])
      if (valueText === undefined) throw new MovingValueMissingError(key)
      return `${json(key)}:${valueText}`
    })
    .join(',')
}

/** A template filled with its moving values: the state's JSON. */
export function fillTemplate(template: StateTemplate, moving: MovingValues): string {
  let k = 0
  let text = template.parts[0]!
  template.holes.forEach((hole, i) => {
    // observedAtOf gives a value read from JSON, never undefined: its JSON is text.
    text += hole === 0 ? JSON.stringify(observedAtOf(moving, k++)) : runText(hole, moving)
    text += template.parts[i + 1]!
  })
  return text
}

/** Moving values that do not fit the template they are read with: a version read with another's. */
export class MovingValueMissingError extends Error {
  constructor(what: string) {
    super(`the moving values have no ${what} for this template`)
    this.name = 'MovingValueMissingError'
  }
}

/**
 * An object's JSON cut around one member's value (a /providers entry around its observedAt):
 * `JSON.stringify(object) === before + JSON.stringify(object[key]) + after`; null without it.
 */
export function cutMember(object: object, key: string): { before: string; after: string } | null {
  let text = '{'
  let before: string | null = null
  let first = true
  for (const [name, value] of Object.entries(object)) {
    const valueText = json(value)
    if (valueText === undefined) continue
    text += `${first ? '' : ','}${json(name)}:`
    first = false
    if (name === key) {
      before = text
      text = ''
    } else {
      text += valueText
    }
  }
  return before === null ? null : { before, after: `${text}}` }
}
