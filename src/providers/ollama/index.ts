import type { ProviderAdapter } from '../types'
import { listOllamaModels } from './list-models'

export const ollama: ProviderAdapter = {
  label: 'Ollama',
  credential: 'optional',
  cacheable: false,
  declaredPolicy: 'overlay',
  stripLatest: false,
  learnsContext: true,
  listModels: listOllamaModels,
}
