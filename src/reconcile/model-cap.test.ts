import { describe, expect, it } from 'vitest'
import type { ObservedModel } from '../providers/types'
import { credentialQuoter } from '../providers/redact'
import { observedModel } from '../../test/support/providers'
import { capModels, withoutCredentialEchoes } from './model-cap'

const model = (name: string): ObservedModel => observedModel(name)

describe('capModels', () => {
  it('keeps a listing within the cap as it came, in the provider order', () => {
    const models = ['b', 'a', 'c'].map(model)
    expect(capModels(models, 3)).toEqual({ models })
  })

  it('keeps the first N by id in code-point order past the cap, and says so', () => {
    const { models, warning } = capModels(['b', 'Z', 'a', 'é', 'A', 'c'].map(model), 4)
    // Code points: uppercase before lowercase, accented letters last (a locale sort would interleave them).
    expect(models.map((m) => m.name)).toEqual(['A', 'Z', 'a', 'b'])
    expect(warning).toBe('listed 6 models; kept the first 4 by id (MAX_MODELS_PER_BACKEND)')
  })

  it('keeps the same models whatever order they were listed in', () => {
    const names = Array.from({ length: 50 }, (_, i) => `m-${String(i).padStart(2, '0')}`)
    const forward = capModels(names.map(model), 10).models.map((m) => m.name)
    const backward = capModels([...names].reverse().map(model), 10).models.map((m) => m.name)
    expect(backward).toEqual(forward)
    expect(forward).toEqual(names.slice(0, 10))
  })
})

describe('withoutCredentialEchoes', () => {
  const quotes = credentialQuoter('sk-test-echo-abcdef123456', 12)

  it('leaves out a model whose id or display name quotes the key, and says how many', () => {
    const quoted = { ...model('gpt-ok'), displayName: 'key echo-abcdef123456' }
    const { models, warning } = withoutCredentialEchoes(
      [model('gpt-ok'), model('sk-test-echo-abcdef123456'), quoted],
      quotes,
    )
    expect(models.map((m) => m.name)).toEqual(['gpt-ok'])
    expect(warning).toBe('left out 2 model(s) whose id quoted the credential')
  })

  it('keeps every model when none quotes the key, even one sharing a word with it', () => {
    const listed = ['gpt-5', 'llama3.2:latest', 'echo-abcdef-7b'].map(model)
    expect(withoutCredentialEchoes(listed, quotes)).toEqual({ models: listed })
  })
})
