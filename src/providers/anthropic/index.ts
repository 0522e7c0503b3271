import type { ProviderAdapter } from '../types'
import { ANTHROPIC_DEFAULT_BASE, listAnthropicModels } from './list-models'

export const anthropic: ProviderAdapter = {
  label: 'Anthropic',
  defaultBaseUrl: ANTHROPIC_DEFAULT_BASE,
  officialHosts: ['api.anthropic.com'],
  recommendedApiKeyEnv: 'ANTHROPIC_API_KEY',
  credentialFormat: 'api-key',
  credential: 'required',
  cacheable: true,
  declaredPolicy: 'filter',
  stripLatest: true,
  learnsContext: false,
  catalog: { providers: ['anthropic'] },
  listModels: listAnthropicModels,
}
