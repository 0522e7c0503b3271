import { type FakeProvider, type FakeRequest, json } from './fixtures'

const SHOW: Record<string, string> = {
  'qwen3:8b': 'ollama/show-qwen3.json',
  'gemma3:4b': 'ollama/show-gemma3.json',
  'llama3.2:latest': 'ollama/show-llama3.2.json',
  'nomic-embed-text:latest': 'ollama/show-nomic-embed-text.json',
}

function show(request: FakeRequest, missing?: string) {
  const model = (JSON.parse(request.body || '{}') as { model?: string }).model ?? ''
  const file = model === missing ? undefined : SHOW[model]
  return file ? json(file) : { status: 404, body: JSON.stringify({ error: `model '${model}' not found` }) }
}

/** Ollama < 0.30: tags without capabilities, one /api/show per model. */
export const ollama: FakeProvider = (request) =>
  request.path === '/api/tags' ? json('ollama/tags.json') : show(request)

/** Ollama ≥ 0.30: tags carry capabilities; /api/show must not be needed. */
export const ollamaCaps: FakeProvider = (request) =>
  request.path === '/api/tags'
    ? json('ollama/tags-with-capabilities.json')
    : { status: 500, body: JSON.stringify({ error: 'show should not be called' }) }

/** Like `ollama`, but /api/show fails for gemma3. */
export const ollamaPartial: FakeProvider = (request) =>
  request.path === '/api/tags' ? json('ollama/tags.json') : show(request, 'gemma3:4b')
