import { row } from './row'

/** The "mistral/" table of fixtures/providers/README.md, in fixture order. */
export const MISTRAL_ROWS = [
  row('mistral-medium-2508   | 131072 | 0 | Y | N | Y | Y | N | Y | Y'),
  row('mistral-medium-latest | 131072 | 0 | Y | N | Y | Y | N | Y | Y'),
  row('magistral-medium-2509 | 131072 | 0 | Y | N | Y | Y | Y | Y | Y'),
  row('codestral-2508        | 256000 | 0 | Y | N | Y | Y | N | N | Y'),
  row('pixtral-large-2411    | 131072 | 0 | Y | N | Y | Y | N | Y | Y'),
  row('mistral-embed         | 8192   | 0 | N | Y | N | N | N | N | N'),
  row('mistral-ocr-2505      | 32768  | 0 | N | N | N | N | N | N | N'),
  row('ft:open-mistral-7b:587a6b29:20240514:7e773925 | 32768 | 0 | Y | N | Y | Y | N | N | N'),
]
