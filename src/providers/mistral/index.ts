import type { ProviderAdapter } from '../types'
import { listMistralModels } from './list-models'

export const mistral: ProviderAdapter = {
  label: 'Mistral',
  credential: 'required',
  cacheable: true,
  declaredPolicy: 'filter',
  stripLatest: true,
  learnsContext: false,
  listModels: listMistralModels,
}
