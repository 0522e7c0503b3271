import type { ProviderAdapter } from '../types'
import { MISTRAL_DEFAULT_BASE, listMistralModels } from './list-models'

export const mistral: ProviderAdapter = {
  label: 'Mistral',
  defaultBaseUrl: MISTRAL_DEFAULT_BASE,
  officialHosts: ['api.mistral.ai'],
  recommendedApiKeyEnv: 'MISTRAL_API_KEY',
  credentialFormat: 'api-key',
  credential: 'required',
  cacheable: true,
  declaredPolicy: 'filter',
  stripLatest: true,
  learnsContext: false,
  catalog: { providers: ['mistral'] },
  listModels: listMistralModels,
}
