import { ProviderError } from '../../errors/provider-error'
import { bearer, joinUrl, requestJson } from '../http'
import type { ListContext, Observation } from '../types'
import { VLLM_LABEL, parseVllmModels } from './parse'

/** `GET <base>/v1/models`; the bearer token is sent when one is configured (the seed never did). */
export async function listVllmModels(ctx: ListContext): Promise<Observation> {
  const json = await requestJson(ctx, joinUrl(ctx.baseUrl, 'v1/models'), {
    label: VLLM_LABEL,
    headers: bearer(ctx.credential),
  })
  const models = parseVllmModels(json)
  if (models.length === 0) throw new ProviderError('bad_payload', 'No models found in response')
  return { models, warnings: [] }
}
