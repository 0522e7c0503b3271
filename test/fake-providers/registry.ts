import { anthropic, anthropicPage2Fails } from './anthropic'
import { bedrockFakes } from './bedrock'
import { catalog, catalogInvalid } from './catalog'
import type { FakeProvider } from './fixtures'
import { gemini, geminiPage2Fail } from './gemini'
import { openaiSameCursor } from './hostile'
import { mistral } from './mistral'
import { ollama, ollamaCaps, ollamaPartial } from './ollama'
import { openai, openaiPage2Fails, openaiPaged } from './openai'
import { openrouter } from './openrouter'
import { vertex, vertexNoProject, vertexPage2Fail, vertexPaged } from './vertex'
import { vllm } from './vllm'
import { dns, receiver } from './webhooks'

/**
 * The first path segment of a fake base URL picks one of these; the fixture folder for error
 * bodies is the part before the first `-` (`openai-paged` → `openai/`).
 */
export const fakeProviders: Record<string, FakeProvider> = {
  ...bedrockFakes,
  catalog,
  'catalog-invalid': catalogInvalid,
  ollama,
  'ollama-caps': ollamaCaps,
  'ollama-partial': ollamaPartial,
  vllm,
  openai,
  'openai-paged': openaiPaged,
  'openai-page2-fails': openaiPage2Fails,
  'openai-same-cursor': openaiSameCursor,
  openrouter,
  anthropic,
  'anthropic-page2-fails': anthropicPage2Fails,
  mistral,
  gemini,
  'gemini-page2-fail': geminiPage2Fail,
  vertex,
  'vertex-paged': vertexPaged,
  'vertex-page2-fail': vertexPage2Fail,
  'vertex-noproject': vertexNoProject,
  receiver,
  dns,
}
