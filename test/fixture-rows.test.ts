import { beforeEach, describe, expect, it } from 'vitest'
import { row } from '../src/providers/expected-rows'
import type { BackendRuntimeState, ModelPullStatus } from '../src/reconcile/types'
import { adminJson, createBackend, fake, readState, resetAll, runScheduled } from './helpers'

beforeEach(resetAll)

/** A published model in the shape of a fixtures README row. */
function asRow(model: ModelPullStatus) {
  return {
    name: model.model,
    contextLength: model.contextLength,
    maxOutputTokens: model.maxOutputTokens,
    canChat: model.canChat,
    canEmbed: model.canEmbed,
    canPrompt: model.canPrompt,
    canStream: model.canStream,
    canThink: model.canThink,
    canVision: model.canVision,
    tools: model.tools,
  }
}

async function publishedRows(name: string) {
  const state = (await readState<BackendRuntimeState[]>()).find((s) => s.name === name)
  expect(state?.status).toBe('healthy')
  return state!.pulledModels.map(asRow)
}

const OLLAMA_ROWS = [
  row('qwen3:8b                | 40960  | 0 | Y | N | Y | Y | Y | N | Y'),
  row('gemma3:4b               | 131072 | 0 | Y | N | Y | Y | N | Y | N'),
  row('llama3.2:latest         | 131072 | 0 | Y | N | Y | Y | N | N | Y'),
  row('nomic-embed-text:latest | 2048   | 0 | N | Y | N | N | N | N | N'),
]

// fixtures/providers/README.md, through a full cycle against the fake providers.
describe('fixture rows through a full cycle', () => {
  it('comes out exactly for Ollama, classic and ≥ 0.30, vLLM and OpenAI', async () => {
    await createBackend('ollama', 'ollama', fake('ollama', 'ok', 'r1'))
    await createBackend('ollama-caps', 'ollama', fake('ollama-caps', 'ok', 'r2'))
    await createBackend('vllm', 'vllm', fake('vllm', 'ok', 'r3'))
    await createBackend('openai', 'openai', `${fake('openai', 'ok', 'r4')}/v1`)
    await adminJson('POST', '/providers/openai/configure', { apiKey: 'sk-test-rows-0000' })
    await runScheduled()

    expect(await publishedRows('ollama')).toEqual(OLLAMA_ROWS)
    expect(await publishedRows('ollama-caps')).toEqual(OLLAMA_ROWS)
    expect(await publishedRows('vllm')).toEqual([
      row('qwen3-8b | 32768 | 0 | Y | N | Y | Y | N | N | ?'),
      row('sql-lora | 32768 | 0 | Y | N | Y | Y | N | N | ?'),
    ])
    expect(await publishedRows('openai')).toEqual([
      row('gpt-5                  | 0 | 128000 | Y | N | Y | Y | N | Y | ?'),
      row('gpt-4o                 | 0 | 0      | Y | N | Y | Y | N | Y | ?'),
      row('gpt-4                  | 0 | 0      | Y | N | Y | Y | N | N | ?'),
      row('o3-mini                | 0 | 0      | Y | N | Y | Y | N | N | ?'),
      row('text-embedding-3-small | 0 | 0      | N | Y | N | N | N | N | ?'),
      row('gpt-3.5-turbo-instruct | 0 | 0      | N | N | Y | N | N | N | ?'),
      row('whisper-1              | 0 | 0      | N | N | N | N | N | N | ?'),
      row('dall-e-3               | 0 | 0      | N | N | N | N | N | N | ?'),
      row('ft:gpt-4o-mini-2024-07-18:acme::AbC12xYz | 0 | 0 | Y | N | Y | Y | N | N | ?'),
    ])
  })
})
