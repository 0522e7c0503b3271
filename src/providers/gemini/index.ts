import type { ProviderAdapter } from '../types'
import { geminiCatalogIds } from './catalog-ids'
import { GEMINI_DEFAULT_BASE, listGeminiModels } from './list-models'

export const gemini: ProviderAdapter = {
  label: 'Gemini',
  defaultBaseUrl: GEMINI_DEFAULT_BASE,
  officialHosts: ['generativelanguage.googleapis.com'],
  recommendedApiKeyEnv: 'GEMINI_API_KEY',
  credentialFormat: 'api-key',
  credential: 'required',
  cacheable: true,
  declaredPolicy: 'ignore',
  stripLatest: false,
  learnsContext: false,
  catalog: { providers: ['google'], candidateIds: geminiCatalogIds },
  listModels: listGeminiModels,
}
