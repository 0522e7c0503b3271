import type { ProviderAdapter } from '../types'
import { listGeminiModels } from './list-models'

export const gemini: ProviderAdapter = {
  label: 'Gemini',
  credential: 'required',
  cacheable: true,
  declaredPolicy: 'ignore',
  stripLatest: false,
  learnsContext: false,
  listModels: listGeminiModels,
}
