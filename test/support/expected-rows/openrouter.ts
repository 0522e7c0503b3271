import { row } from './row'

/** The "openrouter/" table of fixtures/providers/README.md for `models.json`, in fixture order. */
export const OPENROUTER_MODELS_ROWS = [
  row('anthropic/claude-sonnet-4.5            | 1000000 | 64000 | Y | N | Y | Y | Y | Y | Y'),
  row('openai/gpt-4o                          | 128000  | 16384 | Y | N | Y | Y | N | Y | Y'),
  row('deepseek/deepseek-r1                   | 64000   | 16000 | Y | N | Y | Y | Y | N | N'),
  row('meta-llama/llama-3.3-70b-instruct:free | 65536   | 0     | Y | N | Y | Y | N | N | Y'),
  row('google/gemini-2.5-flash-image          | 32768   | 8192  | Y | N | Y | Y | N | Y | N'),
  // black-forest-labs/flux.2-pro: excluded (image-only output)
  row('openai/text-embedding-3-small          | 8192    | 0     | N | Y | N | N | N | N | N'),
]

/** The `embeddings-models.json` rows of the same section. */
export const OPENROUTER_EMBEDDINGS_ROWS = [
  row('openai/text-embedding-3-small | 8192  | 0 | N | Y | N | N | N | N | N'),
  row('openai/text-embedding-3-large | 8192  | 0 | N | Y | N | N | N | N | N'),
  row('qwen/qwen3-embedding-8b       | 32768 | 0 | N | Y | N | N | N | N | N'),
]

/** Both lists merged by id, as a listing returns them: models.json order, then new embedders. */
export const OPENROUTER_ROWS = [
  ...OPENROUTER_MODELS_ROWS,
  ...OPENROUTER_EMBEDDINGS_ROWS.filter((r) => !OPENROUTER_MODELS_ROWS.some((m) => m.name === r.name)),
]
