import type { FactFilter } from '../views/fact-filter'
import { Choice } from './parts'

/**
 * The models page's filter: a plain GET form that works without JavaScript, with the fields of a
 * FactFilter beside the search. A field that is wrong is named in a message above the form and
 * marked invalid, and the form keeps what was typed.
 */

/** The kinds the form offers beside the fact filter, which covers tools, vision and reasoning. */
export const MODEL_KINDS = ['chat', 'embed'] as const
export type ModelKind = (typeof MODEL_KINDS)[number]

/** Each field as the form shows it again: what was sent, trimmed. */
export type ModelsForm = Record<'q' | 'capability' | keyof FactFilter, string>

export interface FilterProblem {
  field: keyof FactFilter
  message: string
}

const LABEL: Record<keyof FactFilter, string> = {
  tools: 'Tool calling',
  vision: 'Vision',
  reasoning: 'Reasoning',
  minContext: 'Min context (tokens)',
  minOutput: 'Min output (tokens)',
  maxInputPrice: 'Max input price ($/1M)',
  maxOutputPrice: 'Max output price ($/1M)',
  inputModality: 'Input modality',
}

/** The modalities the catalog names; the form offers these and whatever was asked. */
const MODALITIES = ['text', 'image', 'audio', 'video', 'pdf']

/** A problem in the words of the form: its field's label where the message names the parameter. */
export function problemText({ field, message }: FilterProblem): string {
  return message.startsWith(`${field} `)
    ? `${LABEL[field]}${message.slice(field.length)}`
    : `${LABEL[field]}: ${message}`
}

/** Marks a field the message above the form names, and points to that message. */
function invalidIn(problems: FilterProblem[], field: keyof FactFilter) {
  return problems.some((p) => p.field === field)
    ? { 'aria-invalid': 'true' as const, 'aria-describedby': `problem-${field}` }
    : {}
}

interface FieldProps<F> {
  field: F
  form: ModelsForm
  problems: FilterProblem[]
}

function YesNo({ field, form, problems }: FieldProps<'tools' | 'vision' | 'reasoning'>) {
  const chosen = form[field]
  return (
    <label>
      {LABEL[field]}
      <select name={field} {...invalidIn(problems, field)}>
        <option value="">any</option>
        <option value="true" selected={chosen === 'true'}>
          yes
        </option>
        <option value="false" selected={chosen === 'false'}>
          no
        </option>
      </select>
    </label>
  )
}

function NumberField(
  props: FieldProps<'minContext' | 'minOutput' | 'maxInputPrice' | 'maxOutputPrice'> & {
    step: string
    placeholder: string
  },
) {
  const { field } = props
  return (
    <label>
      {LABEL[field]}
      <input
        type="number"
        name={field}
        min="0"
        step={props.step}
        inputmode={props.step === '1' ? 'numeric' : 'decimal'}
        value={props.form[field]}
        placeholder={props.placeholder}
        {...invalidIn(props.problems, field)}
      />
    </label>
  )
}

export function ModelsFilter({ form, problems }: { form: ModelsForm; problems: FilterProblem[] }) {
  const modalities =
    form.inputModality && !MODALITIES.includes(form.inputModality) ? [...MODALITIES, form.inputModality] : MODALITIES
  const filtered = Object.values(form).some((value) => value !== '')
  return (
    <>
      {problems.length > 0 ? (
        <div class="notice" role="alert">
          <p>This filter could not be applied:</p>
          <ul>
            {problems.map((problem) => (
              <li id={`problem-${problem.field}`}>{problemText(problem)}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <form class="filter" method="get" action="/status/models" role="search" aria-label="Find models">
        <label>
          Model id contains
          <input type="search" name="q" value={form.q} placeholder="e.g. embed" />
        </label>
        <Choice label="Capability" name="capability" any="any" options={MODEL_KINDS} chosen={form.capability} />
        <YesNo field="tools" form={form} problems={problems} />
        <YesNo field="vision" form={form} problems={problems} />
        <YesNo field="reasoning" form={form} problems={problems} />
        <NumberField field="minContext" form={form} problems={problems} step="1" placeholder="e.g. 128000" />
        <NumberField field="minOutput" form={form} problems={problems} step="1" placeholder="e.g. 8192" />
        <NumberField field="maxInputPrice" form={form} problems={problems} step="any" placeholder="e.g. 3" />
        <NumberField field="maxOutputPrice" form={form} problems={problems} step="any" placeholder="e.g. 15" />
        <label>
          {LABEL.inputModality}
          <select name="inputModality" {...invalidIn(problems, 'inputModality')}>
            <option value="">any</option>
            {modalities.map((modality) => (
              <option value={modality} selected={form.inputModality === modality}>
                {modality}
              </option>
            ))}
          </select>
        </label>
        <div class="actions">
          <button type="submit" class="primary">
            Find
          </button>
          {filtered ? <a href="/status/models">Clear</a> : null}
        </div>
      </form>
      <p class="meta">A value that is unknown never matches: "no" means known not to.</p>
    </>
  )
}
