import type { ProviderAdapter } from '../types'
import { listVllmModels } from './list-models'

export const vllm: ProviderAdapter = {
  label: 'vLLM',
  officialHosts: [],
  recommendedApiKeyEnv: 'VLLM_API_KEY',
  credentialFormat: 'api-key',
  credential: 'optional',
  cacheable: false,
  declaredPolicy: 'filter',
  stripLatest: false,
  learnsContext: true,
  listModels: listVllmModels,
}
