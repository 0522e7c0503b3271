import { describe, expect, it } from 'vitest'
import foundationModels from '../../../fixtures/providers/bedrock/foundation-models.json'
import inferenceProfiles from '../../../fixtures/providers/bedrock/inference-profiles.json'
import { ProviderError } from '../../errors/provider-error'
import { tableFields } from '../../../test/support/expected-rows/row'
import type { ObservedModel } from '../types'
import { BEDROCK_INVOCATION_IDS, BEDROCK_ROWS } from '../../../test/support/expected-rows/bedrock'
import {
  type FoundationModelSummary,
  bedrockCapabilities,
  bedrockError,
  geoPrefixes,
  invocationId,
  observedFromBedrock,
  parseFoundationModels,
  parseInferenceProfilesPage,
} from './parse'

const summaries = parseFoundationModels(foundationModels)
const profiles = parseInferenceProfilesPage(inferenceProfiles).profiles

/** The foundation model id a row of the README capability table is keyed by. */
const modelId = (m: ObservedModel) => m.displayName ?? m.name
const asRow = (m: ObservedModel) => ({ ...tableFields(m), name: modelId(m) })

function summary(fields: Partial<FoundationModelSummary> & { modelId: string }): FoundationModelSummary {
  return { inputModalities: ['TEXT'], outputModalities: ['TEXT'], inferenceTypesSupported: ['ON_DEMAND'], ...fields }
}

function thrown(fn: () => unknown): ProviderError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ProviderError) return error
    throw error
  }
  throw new Error('expected a ProviderError')
}

describe('bedrock parse', () => {
  it('turns foundation-models + inference-profiles into the README capability rows, by model id', () => {
    const { models, unavailable } = observedFromBedrock(summaries, profiles, 'us-east-1')
    expect(models.map(asRow)).toEqual(BEDROCK_ROWS)
    expect(unavailable).toEqual([])
  })

  it('invokes each model by the README "Invocation id", keeping the model id as display name', () => {
    const { models } = observedFromBedrock(summaries, profiles, 'us-east-1')
    expect(Object.fromEntries(models.map((m) => [modelId(m), m.name]))).toEqual(BEDROCK_INVOCATION_IDS)
    expect(models.find((m) => m.name === 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toMatchObject({
      displayName: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    })
    // On-demand models are invoked by their own id: no second name.
    expect(models.find((m) => m.name === 'amazon.nova-pro-v1:0')).not.toHaveProperty('displayName')
  })

  it('reads the inference-profile page and its nextToken', () => {
    expect(parseInferenceProfilesPage(inferenceProfiles).nextToken).toBeUndefined()
    expect(profiles.map((p) => p.inferenceProfileId)).toContain('global.anthropic.claude-sonnet-4-5-20250929-v1:0')
    expect(parseInferenceProfilesPage({ inferenceProfileSummaries: [], nextToken: 'abc==' }).nextToken).toBe('abc==')
    expect(parseInferenceProfilesPage({ nextToken: '' })).toEqual({ profiles: [], nextToken: undefined })
  })

  it('prefers the region geography, falls back to global, and drops models nothing can invoke', () => {
    const globalOnly = profiles.filter((p) => p.inferenceProfileId.startsWith('global.'))
    const { models, unavailable } = observedFromBedrock(summaries, globalOnly, 'us-east-1')
    expect(models.map((m) => m.name)).toContain('global.anthropic.claude-sonnet-4-5-20250929-v1:0')
    expect(unavailable).toEqual(['meta.llama3-3-70b-instruct-v1:0', 'deepseek.r1-v1:0'])
    expect(models.map(modelId)).not.toContain('deepseek.r1-v1:0')

    const sonnet = summaries[0]!
    const arn = 'arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0'
    const eu = { inferenceProfileId: 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0', models: [{ modelArn: arn }] }
    const global = {
      inferenceProfileId: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      models: [{ modelArn: arn }],
    }
    expect(invocationId(sonnet, [global, eu], 'eu-west-1')).toBe(eu.inferenceProfileId)
    expect(invocationId(sonnet, [global, eu], 'us-east-1')).toBe(eu.inferenceProfileId) // regional before global
    expect(invocationId(sonnet, [global], 'eu-west-1')).toBe(global.inferenceProfileId)
    expect(invocationId(sonnet, [{ ...eu, type: 'APPLICATION' }], 'eu-west-1')).toBeUndefined()
    expect(invocationId(sonnet, [{ ...eu, status: 'INACTIVE' }], 'eu-west-1')).toBeUndefined()
    // The ARN must end with /<modelId>, not merely contain it.
    const longer = { inferenceProfileId: 'us.x', models: [{ modelArn: `${arn}-extended` }] }
    expect(invocationId(sonnet, [longer], 'us-east-1')).toBeUndefined()
    // Provisioned-only: no on-demand id.
    expect(
      invocationId(summary({ modelId: 'a.b-v1', inferenceTypesSupported: ['PROVISIONED'] }), [], 'us-east-1'),
    ).toBeUndefined()
  })

  it('maps regions to inference-profile geographies', () => {
    expect(geoPrefixes('us-west-2')).toEqual(['us'])
    expect(geoPrefixes('eu-central-1')).toEqual(['eu'])
    expect(geoPrefixes('ap-south-1')).toEqual(['apac'])
    expect(geoPrefixes('ap-northeast-1')).toEqual(['jp', 'apac'])
    expect(geoPrefixes('us-gov-west-1')).toEqual(['us-gov'])
  })

  it('derives capabilities from modalities, not from the Go rules', () => {
    // Image generator that also takes images: nothing (Go made it chat + vision).
    const canvas = bedrockCapabilities(
      summary({ modelId: 'amazon.nova-canvas-v1:0', inputModalities: ['TEXT', 'IMAGE'], outputModalities: ['IMAGE'] }),
    )
    expect(canvas).toMatchObject({
      canChat: false,
      canPrompt: false,
      canStream: false,
      canVision: false,
      canEmbed: false,
    })
    // Multimodal embeddings: embed only.
    const embedImage = bedrockCapabilities(
      summary({
        modelId: 'amazon.titan-embed-image-v1',
        inputModalities: ['TEXT', 'IMAGE'],
        outputModalities: ['EMBEDDING'],
      }),
    )
    expect(embedImage).toMatchObject({ canEmbed: true, canChat: false, canVision: false })
    // An id with "embed" is an embedding model even if its modalities are odd.
    expect(bedrockCapabilities(summary({ modelId: 'cohere.embed-english-v3' }))).toMatchObject({
      canEmbed: true,
      canChat: false,
    })
    // Streaming as the API says when it says; a chat model that does not say keeps streaming.
    expect(bedrockCapabilities(summary({ modelId: 'x.y', responseStreamingSupported: false })).canStream).toBe(false)
    expect(bedrockCapabilities(summary({ modelId: 'x.y' })).canStream).toBe(true)
    // Modalities are matched case-insensitively.
    expect(bedrockCapabilities(summary({ modelId: 'x.y', inputModalities: ['text', 'image'] })).canVision).toBe(true)
  })

  it('keeps LEGACY models', () => {
    const { models } = observedFromBedrock(summaries, profiles, 'us-east-1')
    expect(models.map(modelId)).toContain('amazon.titan-text-express-v1')
  })

  it('rejects a listing of the wrong shape as bad_payload naming the call', () => {
    const error = thrown(() => parseFoundationModels({ modelSummaries: [{ modelName: 'no id' }] }))
    expect(error.kind).toBe('bad_payload')
    expect(error.message).toMatch(/^decode bedrock ListFoundationModels response: modelSummaries\.0\.modelId/)
    expect(thrown(() => parseInferenceProfilesPage({ inferenceProfileSummaries: 'x' })).message).toMatch(
      /^decode bedrock ListInferenceProfiles response/,
    )
    expect(parseFoundationModels({})).toEqual([])
  })

  it('explains errors with x-amzn-ErrorType and message or Message', () => {
    const denied = '{"message":"not authorized"}'
    expect(bedrockError(denied, 'AccessDeniedException:http://internal.amazon.com/coral/')).toEqual({
      type: 'AccessDeniedException',
      detail: 'AccessDeniedException: not authorized',
    })
    expect(bedrockError('{"Message":"Signature expired"}', 'InvalidSignatureException').detail).toBe(
      'InvalidSignatureException: Signature expired',
    )
    expect(
      bedrockError('{"__type":"com.amazon.coral.service#ThrottlingException","message":"slow down"}', null),
    ).toEqual({
      type: 'ThrottlingException',
      detail: 'ThrottlingException: slow down',
    })
    expect(bedrockError('<html>Bad Gateway</html>', null)).toEqual({ detail: '<html>Bad Gateway</html>' })
    expect(bedrockError('', 'InternalServerException')).toEqual({
      type: 'InternalServerException',
      detail: 'InternalServerException',
    })
    expect(bedrockError('', null)).toEqual({})
  })
})
