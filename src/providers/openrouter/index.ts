import type { ProviderAdapter } from '../types'
import { OPENROUTER_DEFAULT_BASE, listOpenRouterModels } from './list-models'

export const openrouter: ProviderAdapter = {
  label: 'OpenRouter',
  defaultBaseUrl: OPENROUTER_DEFAULT_BASE,
  officialHosts: ['openrouter.ai'],
  recommendedApiKeyEnv: 'OPENROUTER_API_KEY',
  credentialFormat: 'api-key',
  credential: 'required',
  cacheable: true,
  declaredPolicy: 'filter',
  stripLatest: true,
  learnsContext: false,
  catalog: { providers: ['openrouter'] },
  listModels: listOpenRouterModels,
}
