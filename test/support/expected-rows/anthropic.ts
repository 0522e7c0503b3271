import { row } from './row'

/** The "anthropic/" table of fixtures/providers/README.md: page 1 then page 2, newest first. */
export const ANTHROPIC_ROWS = [
  row('claude-opus-4-6            | 200000 | 128000 | Y | N | Y | Y | Y | Y | ?'),
  row('claude-haiku-4-5-20251001  | 200000 | 64000  | Y | N | Y | Y | Y | Y | ?'),
  row('claude-sonnet-4-5-20250929 | 200000 | 64000  | Y | N | Y | Y | Y | Y | ?'),
  row('claude-opus-4-1-20250805   | 200000 | 32000  | Y | N | Y | Y | Y | Y | ?'),
  row('claude-sonnet-4-20250514   | 200000 | 64000  | Y | N | Y | Y | Y | Y | ?'),
  row('claude-3-haiku-20240307    | 200000 | 4096   | Y | N | Y | Y | N | Y | ?'),
]
