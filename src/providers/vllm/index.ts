import type { ProviderAdapter } from '../types'
import { listVllmModels } from './list-models'

export const vllm: ProviderAdapter = {
  label: 'vLLM',
  credential: 'optional',
  cacheable: false,
  declaredPolicy: 'filter',
  stripLatest: false,
  learnsContext: true,
  listModels: listVllmModels,
}
