import { describe, expect, it } from 'vitest'
import models from '../../../fixtures/providers/vllm/models.json'
import { VLLM_ROWS } from '../../../test/support/expected-rows/vllm'
import { parseVllmModels } from './parse'

describe('vllm parse', () => {
  it('turns /v1/models into the README rows, LoRA inheriting its base context', () => {
    expect(parseVllmModels(models)).toEqual(VLLM_ROWS)
  })

  it('gives 0 context to a LoRA whose parent is unknown', () => {
    const [lora] = parseVllmModels({ data: [{ id: 'a', parent: 'missing', max_model_len: null }] })
    expect(lora?.contextLength).toBe(0)
  })

  it('rejects a body without a list', () => {
    expect(() => parseVllmModels({ data: {} })).toThrow(/decode vLLM catalog response: data/)
  })
})
