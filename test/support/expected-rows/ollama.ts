import { row } from './row'

/** The "ollama/" table of fixtures/providers/README.md, in fixture order. */
export const OLLAMA_ROWS = [
  row('qwen3:8b                | 40960  | 0 | Y | N | Y | Y | Y | N | Y'),
  row('gemma3:4b               | 131072 | 0 | Y | N | Y | Y | N | Y | N'),
  row('llama3.2:latest         | 131072 | 0 | Y | N | Y | Y | N | N | Y'),
  row('nomic-embed-text:latest | 2048   | 0 | N | Y | N | N | N | N | N'),
]
