import { AwsClient } from 'aws4fetch'
import { type ErrorKind, kindForStatus } from '../../errors/provider-error'
import { joinUrl, requestJson } from '../http'
import { paginate } from '../paginate'
import type { ListContext, Observation } from '../types'
import { parseBedrockCredential, resolveBedrockEndpoint } from './config'
import {
  FOUNDATION_MODELS_LABEL,
  INFERENCE_PROFILES_LABEL,
  type InferenceProfile,
  bedrockError,
  needsInferenceProfile,
  observedFromBedrock,
  parseFoundationModels,
  parseInferenceProfilesPage,
} from './parse'

/**
 * `GET <base>/foundation-models`, then — only when some model needs one — every page of
 * `GET <base>/inference-profiles?maxResults=1000&type=SYSTEM_DEFINED`, both SigV4-signed for
 * service `bedrock` with the stored credentials, sent through the probe's fetch and deadline.
 */
export async function listBedrockModels(ctx: ListContext): Promise<Observation> {
  const credential = parseBedrockCredential(ctx.credential)
  const { base, region } = resolveBedrockEndpoint(ctx.baseUrl, credential.region)
  const client = new AwsClient({
    accessKeyId: credential.accessKeyId,
    secretAccessKey: credential.secretAccessKey,
    sessionToken: credential.sessionToken,
    service: 'bedrock',
    region,
    // Unused (we sign and send ourselves), but never let the client retry on its own.
    retries: 0,
  })
  const summaries = parseFoundationModels(
    await signedGetJson(ctx, client, joinUrl(base, 'foundation-models'), FOUNDATION_MODELS_LABEL),
  )
  const profiles: InferenceProfile[] = summaries.some(needsInferenceProfile)
    ? await paginate(ctx, {
        label: INFERENCE_PROFILES_LABEL,
        describeCursor: (token) => `nextToken ${token}`,
        fetchPage: async (pageCtx, nextToken) => {
          const query = `maxResults=1000&type=SYSTEM_DEFINED${nextToken ? `&nextToken=${encodeURIComponent(nextToken)}` : ''}`
          const url = `${joinUrl(base, 'inference-profiles')}?${query}`
          const parsed = parseInferenceProfilesPage(await signedGetJson(pageCtx, client, url, INFERENCE_PROFILES_LABEL))
          return { items: parsed.profiles, next: parsed.nextToken }
        },
      })
    : []
  // Models nothing can invoke (provisioned-only, no profile in this region) are left out
  // silently: that is how the account is set up, not a problem of the backend.
  return { models: observedFromBedrock(summaries, profiles, region).models, warnings: [] }
}

const AUTH_ERRORS = new Set([
  'AccessDeniedException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
])
const THROTTLING_ERRORS = new Set(['ThrottlingException', 'TooManyRequestsException'])

/** The status decides, except that AWS names auth and throttling failures the same on any status. */
export function bedrockErrorKind(status: number, errorType: string | undefined): ErrorKind {
  if (errorType && AUTH_ERRORS.has(errorType)) return 'auth'
  if (errorType && THROTTLING_ERRORS.has(errorType)) return 'rate_limited'
  return kindForStatus(status)
}

/** One signed GET through the shared request path (a followed redirect is signed again); Bedrock names its failures in a header. */
function signedGetJson(ctx: ListContext, client: AwsClient, url: string, label: string): Promise<unknown> {
  const sign = (target: string) => client.sign(target, { method: 'GET', headers: { Accept: 'application/json' } })
  return requestJson(
    ctx,
    { url, sign },
    {
      label,
      errorDetail: (body, headers) => bedrockError(body, headers.get('x-amzn-ErrorType')).detail,
      errorKind: (status, body, headers) =>
        bedrockErrorKind(status, bedrockError(body, headers.get('x-amzn-ErrorType')).type),
    },
  )
}
