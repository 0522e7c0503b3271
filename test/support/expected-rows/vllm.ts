import { row } from './row'

/** The "vllm/" table of fixtures/providers/README.md, in fixture order. */
export const VLLM_ROWS = [
  row('qwen3-8b | 32768 | 0 | Y | N | Y | Y | N | N | ?'),
  row('sql-lora | 32768 | 0 | Y | N | Y | Y | N | N | ?'),
]
