import type { ProviderAdapter } from '../types'
import { bedrockCatalogIds } from './catalog-ids'
import { MISSING_AWS_CREDENTIALS } from './config'
import { listBedrockModels } from './list-models'

export const bedrock: ProviderAdapter = {
  label: 'Bedrock',
  officialHosts: ['bedrock.*.amazonaws.com', 'bedrock-fips.*.amazonaws.com'],
  recommendedApiKeyEnv: 'BEDROCK_CREDENTIALS_JSON',
  credentialFormat: 'aws-credentials-json',
  // Workers have no ambient AWS credential chain: without stored keys nothing can be signed.
  credential: 'required',
  missingCredentialMessage: MISSING_AWS_CREDENTIALS,
  cacheable: true,
  declaredPolicy: 'ignore',
  stripLatest: false,
  learnsContext: false,
  catalog: { providers: ['amazon-bedrock'], candidateIds: bedrockCatalogIds },
  listModels: listBedrockModels,
}
