import type { ProviderAdapter } from '../types'
import { listOllamaModels } from './list-models'

export const ollama: ProviderAdapter = {
  label: 'Ollama',
  defaultBaseUrl: 'http://127.0.0.1:11434',
  officialHosts: [],
  recommendedApiKeyEnv: 'OLLAMA_API_KEY',
  credentialFormat: 'api-key',
  credential: 'optional',
  cacheable: false,
  declaredPolicy: 'overlay',
  stripLatest: false,
  learnsContext: true,
  listModels: listOllamaModels,
}
