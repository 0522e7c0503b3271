import { row } from './row'

/** The "vertex/" table of fixtures/providers/README.md, in fixture order. */
export const VERTEX_ROWS = [
  row('gemini-2.5-pro          | 0 | 0 | Y | N | Y | Y | N | Y | ?'),
  row('gemini-2.5-flash        | 0 | 0 | Y | N | Y | Y | N | Y | ?'),
  row('gemini-embedding-001    | 0 | 0 | N | Y | N | N | N | N | ?'),
  row('text-embedding-005      | 0 | 0 | N | Y | N | N | N | N | ?'),
  row('imagen-4.0-generate-001 | 0 | 0 | N | N | N | N | N | N | ?'),
  row('veo-3.0-generate-001    | 0 | 0 | N | N | N | N | N | N | ?'),
  row('gemma3                  | 0 | 0 | N | N | N | N | N | N | ?'),
]
