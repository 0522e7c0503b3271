import type { ProviderAdapter } from '../types'
import { vertexCatalogIds } from './catalog-ids'
import { listVertexModels } from './list-models'
import { VERTEX_MISSING_CREDENTIAL } from './service-account'

export const vertexGoogle: ProviderAdapter = {
  label: 'Vertex AI',
  officialHosts: ['aiplatform.googleapis.com', '*-aiplatform.googleapis.com'],
  recommendedApiKeyEnv: 'VERTEX_SERVICE_ACCOUNT_JSON',
  credentialFormat: 'service-account-json',
  credential: 'required',
  missingCredentialMessage: VERTEX_MISSING_CREDENTIAL,
  cacheable: true,
  declaredPolicy: 'ignore',
  stripLatest: false,
  learnsContext: false,
  catalog: { providers: ['google-vertex', 'google-vertex-anthropic'], candidateIds: vertexCatalogIds },
  listModels: listVertexModels,
}
