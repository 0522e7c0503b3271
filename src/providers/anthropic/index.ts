import type { ProviderAdapter } from '../types'
import { listAnthropicModels } from './list-models'

export const anthropic: ProviderAdapter = {
  label: 'Anthropic',
  credential: 'required',
  cacheable: true,
  declaredPolicy: 'filter',
  stripLatest: true,
  learnsContext: false,
  listModels: listAnthropicModels,
}
