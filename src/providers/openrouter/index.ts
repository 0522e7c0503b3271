import type { ProviderAdapter } from '../types'
import { listOpenRouterModels } from './list-models'

export const openrouter: ProviderAdapter = {
  label: 'OpenRouter',
  credential: 'required',
  cacheable: true,
  declaredPolicy: 'filter',
  stripLatest: true,
  learnsContext: false,
  listModels: listOpenRouterModels,
}
