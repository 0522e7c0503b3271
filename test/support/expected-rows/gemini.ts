import { row } from './row'

/** The "gemini/" table of fixtures/providers/README.md: models-page1.json then models-page2.json. */
export const GEMINI_ROWS = [
  row('models/gemini-2.5-pro                | 1048576 | 65536 | Y | N | Y | Y | Y | Y | ?'),
  row('models/gemini-2.5-flash              | 1048576 | 65536 | Y | N | Y | Y | Y | Y | ?'),
  row('models/gemini-2.0-flash              | 1048576 | 8192  | Y | N | Y | Y | N | Y | ?'),
  row('models/gemini-embedding-001          | 2048    | 1     | N | Y | N | N | N | N | ?'),
  row('models/gemma-3-27b-it                | 131072  | 8192  | Y | N | Y | Y | N | N | ?'),
  row('models/gemini-2.5-flash-preview-tts  | 8192    | 16384 | Y | N | Y | Y | N | N | ?'),
  row('models/imagen-4.0-generate-001       | 480     | 8192  | N | N | N | N | N | N | ?'),
  row('models/aqa                           | 7168    | 1024  | N | N | N | N | N | N | ?'),
]
