import type { FakeProvider } from './fixtures'
import { ollama, ollamaCaps, ollamaPartial } from './ollama'
import { openai, openaiPaged } from './openai'
import { vllm } from './vllm'

/**
 * The first path segment of a fake base URL picks one of these; the fixture folder for error
 * bodies is the part before the first `-` (`openai-paged` → `openai/`).
 */
export const fakeProviders: Record<string, FakeProvider> = {
  ollama,
  'ollama-caps': ollamaCaps,
  'ollama-partial': ollamaPartial,
  vllm,
  openai,
  'openai-paged': openaiPaged,
}
