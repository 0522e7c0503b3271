import { describe, expect, it } from 'vitest'
import { modelsQuery } from '../http/models-query'
import { ModelsFilter, problemText } from './models-filter'

const render = async (query: Record<string, string>) => {
  const asked = modelsQuery((name) => query[name])
  const problems = asked.ok ? [] : asked.problems
  // A hono JSX node's toString() gives a Promise when a component in it is async.
  const node: { toString(): string | Promise<string> } = <ModelsFilter form={asked.form} problems={problems} />
  return await node.toString()
}

describe("the models page's filter form", () => {
  it('is a plain GET form with every field of a FactFilter, filled with what was asked', async () => {
    const html = await render({ tools: 'true', minContext: '128000', maxInputPrice: '3', inputModality: 'image' })
    expect(html).toContain('<form class="filter" method="get" action="/status/models"')
    for (const name of ['q', 'capability', 'tools', 'vision', 'reasoning', 'minContext', 'minOutput']) {
      expect(html).toContain(`name="${name}"`)
    }
    for (const name of ['maxInputPrice', 'maxOutputPrice', 'inputModality']) expect(html).toContain(`name="${name}"`)
    expect(html).toMatch(/name="tools"[^]*?<option value="true" selected="">yes<\/option>/)
    expect(html).toContain('value="128000"')
    expect(html).toContain('<option value="image" selected="">image</option>')
    expect(html).toContain('href="/status/models">Clear</a>')
    expect(html).not.toContain('role="alert"')
  })

  it('says what is wrong in the words of the form, and marks the field', async () => {
    const html = await render({ minContext: 'lots', inputModality: 'x-ray' })
    expect(html).toContain('role="alert"')
    expect(html).toContain('<li id="problem-minContext">Min context (tokens) must be a whole number</li>')
    expect(html).toMatch(/name="minContext"[^>]*aria-invalid="true" aria-describedby="problem-minContext"/)
    expect(html).toContain('value="lots"')
    expect(problemText({ field: 'tools', message: 'not a yes or no' })).toBe('Tool calling: not a yes or no')
  })
})
