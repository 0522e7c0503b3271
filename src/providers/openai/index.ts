import type { ProviderAdapter } from '../types'
import { OPENAI_DEFAULT_BASE, listOpenAIModels } from './list-models'

export const openai: ProviderAdapter = {
  label: 'OpenAI',
  defaultBaseUrl: OPENAI_DEFAULT_BASE,
  officialHosts: ['api.openai.com'],
  recommendedApiKeyEnv: 'OPENAI_API_KEY',
  credentialFormat: 'api-key',
  credential: 'required',
  cacheable: true,
  declaredPolicy: 'filter',
  stripLatest: true,
  learnsContext: false,
  catalog: { providers: ['openai'] },
  listModels: listOpenAIModels,
}
