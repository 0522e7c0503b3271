import { describe, expect, it } from 'vitest'
import { modelsQuery } from './models-query'

const read = (query: Record<string, string>) => modelsQuery((name) => query[name])

describe("the models page's query", () => {
  it('reads a FactFilter, an empty field meaning any, as a plain form sends it', () => {
    const result = read({
      q: ' llama ',
      capability: 'chat',
      tools: 'true',
      vision: '',
      reasoning: 'false',
      minContext: '128000',
      minOutput: '',
      maxInputPrice: '2.5',
      maxOutputPrice: '',
      inputModality: 'Image',
    })
    expect(result.ok && result.query).toEqual({
      q: 'llama',
      kind: 'chat',
      facts: { tools: true, reasoning: false, minContext: 128000, maxInputPrice: 2.5, inputModality: 'image' },
    })
    expect(read({}).ok && read({}).form).toEqual({
      q: '',
      capability: '',
      tools: '',
      vision: '',
      reasoning: '',
      minContext: '',
      minOutput: '',
      maxInputPrice: '',
      maxOutputPrice: '',
      inputModality: '',
    })
  })

  it('reads an older link asking capability=tools, vision or think as the fact filter', () => {
    const think = read({ capability: 'think' })
    expect(think.ok && think.query).toEqual({ q: '', kind: '', facts: { reasoning: true } })
    expect(think.form.capability).toBe('')
    expect(think.form.reasoning).toBe('true')
    const asked = read({ capability: 'vision', vision: 'false' })
    expect(asked.ok && asked.query.facts).toEqual({ vision: false })
    expect(read({ capability: 'nonsense' }).ok).toBe(true)
  })

  it('names each field that is wrong, and keeps what was typed', () => {
    const result = read({ minContext: 'lots', maxOutputPrice: '-1', tools: 'maybe' })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.problems.map((p) => p.field).sort()).toEqual(['maxOutputPrice', 'minContext', 'tools'])
    expect(result.problems.find((p) => p.field === 'minContext')!.message).toContain('minContext')
    expect(result.form.minContext).toBe('lots')
  })
})
