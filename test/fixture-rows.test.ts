import { beforeEach, describe, expect, it } from 'vitest'
import { OLLAMA_ROWS } from './support/expected-rows/ollama'
import { OPENAI_ROWS } from './support/expected-rows/openai'
import { VLLM_ROWS } from './support/expected-rows/vllm'
import { FAKE_HOST, adminJson, asRow, createBackend, fake, resetAll, runScheduled, stateOf } from './helpers'

beforeEach(resetAll)

async function publishedRows(name: string) {
  const state = await stateOf(name)
  expect(state.status).toBe('healthy')
  return state.pulledModels.map(asRow)
}

// fixtures/providers/README.md, through a full cycle against the fake providers.
describe('fixture rows through a full cycle', () => {
  it('comes out exactly for Ollama, classic and ≥ 0.30, vLLM and OpenAI', async () => {
    await createBackend('ollama', 'ollama', fake('ollama', 'ok', 'r1'))
    await createBackend('ollama-caps', 'ollama', fake('ollama-caps', 'ok', 'r2'))
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'r3'))
    await createBackend('openai', 'openai', `${fake('openai', 'ok', 'r4')}/v1`)
    await adminJson('POST', '/providers/openai/configure', { hosts: [FAKE_HOST], apiKey: 'sk-test-rows-0000' })
    await runScheduled()

    expect(await publishedRows('ollama')).toEqual(OLLAMA_ROWS)
    expect(await publishedRows('ollama-caps')).toEqual(OLLAMA_ROWS)
    expect(await publishedRows('vllm')).toEqual(VLLM_ROWS)
    expect(await publishedRows('openai')).toEqual(OPENAI_ROWS)
  })
})
