import type { ProviderAdapter } from '../types'
import { listOpenAIModels } from './list-models'

export const openai: ProviderAdapter = {
  label: 'OpenAI',
  credential: 'required',
  cacheable: true,
  declaredPolicy: 'filter',
  stripLatest: true,
  learnsContext: false,
  listModels: listOpenAIModels,
}
