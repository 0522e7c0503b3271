import { row } from './row'

/** The "openai/" table of fixtures/providers/README.md, in fixture order. */
export const OPENAI_ROWS = [
  row('gpt-5                  | 0 | 128000 | Y | N | Y | Y | N | Y | ?'),
  row('gpt-4o                 | 0 | 0      | Y | N | Y | Y | N | Y | ?'),
  row('gpt-4                  | 0 | 0      | Y | N | Y | Y | N | N | ?'),
  row('o3-mini                | 0 | 0      | Y | N | Y | Y | N | N | ?'),
  row('text-embedding-3-small | 0 | 0      | N | Y | N | N | N | N | ?'),
  row('gpt-3.5-turbo-instruct | 0 | 0      | N | N | Y | N | N | N | ?'),
  row('whisper-1              | 0 | 0      | N | N | N | N | N | N | ?'),
  row('dall-e-3               | 0 | 0      | N | N | N | N | N | N | ?'),
  row('ft:gpt-4o-mini-2024-07-18:acme::AbC12xYz | 0 | 0 | Y | N | Y | Y | N | N | ?'),
]
