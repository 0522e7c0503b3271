import { listDefaults } from '../../../test/support/providers'
import { describe, expect, it } from 'vitest'
import accessDenied from '../../../fixtures/providers/bedrock/error-403-access-denied.json'
import foundationModels from '../../../fixtures/providers/bedrock/foundation-models.json'
import inferenceProfiles from '../../../fixtures/providers/bedrock/inference-profiles.json'
import { ProviderError } from '../../errors/provider-error'
import type { ListContext } from '../types'
import { BEDROCK_INVOCATION_IDS } from '../../../test/support/expected-rows/bedrock'
import { listBedrockModels } from './list-models'

const CREDENTIAL = {
  access_key_id: 'ASIATESTFAKEKEYID000',
  secret_access_key: 'test-Zq8Kd2Lm9Xv4Rt7Wp3Ny',
  region: 'us-east-1',
}

type Answer = { status?: number; body: unknown; headers?: Record<string, string> }

/** A fetch that records the signed requests and answers from `route`. */
function stubFetch(route: (url: URL) => Answer) {
  const requests: { request: Request; init: RequestInit | undefined }[] = []
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init)
    requests.push({ request, init })
    const answer = route(new URL(request.url))
    const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)
    return new Response(body, { status: answer.status ?? 200, headers: answer.headers })
  }) as typeof globalThis.fetch
  return { fetch, requests }
}

function context(fetch: typeof globalThis.fetch, fields: Partial<ListContext> = {}): ListContext {
  return {
    baseUrl: '',
    credential: JSON.stringify(CREDENTIAL),
    fetch,
    signal: new AbortController().signal,
    ...listDefaults(),
    ...fields,
  }
}

const fixtures = (url: URL): Answer =>
  url.pathname.endsWith('/foundation-models') ? { body: foundationModels } : { body: inferenceProfiles }

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ProviderError) return error
    throw error
  }
  throw new Error('expected a ProviderError')
}

describe('bedrock listing', () => {
  it('signs both calls for bedrock in the credential region and sends them through ctx.fetch', async () => {
    const { fetch, requests } = stubFetch(fixtures)
    const ctx = context(fetch, { credential: JSON.stringify({ ...CREDENTIAL, session_token: 'session-test-token' }) })
    const { models, warnings } = await listBedrockModels(ctx)

    expect(Object.fromEntries(models.map((m) => [m.displayName ?? m.name, m.name]))).toEqual(BEDROCK_INVOCATION_IDS)
    expect(warnings).toEqual([])
    expect(requests.map((r) => r.request.url)).toEqual([
      'https://bedrock.us-east-1.amazonaws.com/foundation-models',
      'https://bedrock.us-east-1.amazonaws.com/inference-profiles?maxResults=1000&type=SYSTEM_DEFINED',
    ])
    for (const { request, init } of requests) {
      expect(request.method).toBe('GET')
      expect(request.headers.get('authorization')).toMatch(
        /^AWS4-HMAC-SHA256 Credential=ASIATESTFAKEKEYID000\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=accept;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
      )
      expect(request.headers.get('x-amz-security-token')).toBe('session-test-token')
      expect(init?.signal).toBe(ctx.signal)
    }
  })

  it('signs for the region of a bedrock base URL', async () => {
    const { fetch, requests } = stubFetch(fixtures)
    await listBedrockModels(context(fetch, { baseUrl: 'https://bedrock.eu-west-3.amazonaws.com' }))
    expect(requests[0]!.request.url).toBe('https://bedrock.eu-west-3.amazonaws.com/foundation-models')
    expect(requests[0]!.request.headers.get('authorization')).toContain('/eu-west-3/bedrock/aws4_request')
  })

  it('follows nextToken to the last page', async () => {
    const all = inferenceProfiles.inferenceProfileSummaries
    const { fetch, requests } = stubFetch((url) => {
      if (url.pathname.endsWith('/foundation-models')) return { body: foundationModels }
      const token = url.searchParams.get('nextToken')
      const start = token ? Number(token.split('/')[1]) : 0
      const next = start + 2 < all.length ? `page/${start + 2}/==` : undefined
      return { body: { inferenceProfileSummaries: all.slice(start, start + 2), ...(next ? { nextToken: next } : {}) } }
    })
    const { models } = await listBedrockModels(context(fetch))
    expect(Object.fromEntries(models.map((m) => [m.displayName ?? m.name, m.name]))).toEqual(BEDROCK_INVOCATION_IDS)
    expect(requests.map((r) => new URL(r.request.url).search)).toEqual([
      '',
      '?maxResults=1000&type=SYSTEM_DEFINED',
      '?maxResults=1000&type=SYSTEM_DEFINED&nextToken=page%2F2%2F%3D%3D',
      '?maxResults=1000&type=SYSTEM_DEFINED&nextToken=page%2F4%2F%3D%3D',
    ])
  })

  it('gives up on endless pagination and on a repeated nextToken with bad_payload', async () => {
    let page = 0
    const endless = stubFetch((url) =>
      url.pathname.endsWith('/foundation-models')
        ? { body: foundationModels }
        : { body: { inferenceProfileSummaries: [], nextToken: `token-${++page}` } },
    )
    const error = await failure(listBedrockModels(context(endless.fetch)))
    expect(error.kind).toBe('bad_payload')
    expect(error.message).toBe('bedrock ListInferenceProfiles still had more pages after 50')

    const repeating = stubFetch((url) =>
      url.pathname.endsWith('/foundation-models')
        ? { body: foundationModels }
        : { body: { inferenceProfileSummaries: [], nextToken: 'again' } },
    )
    expect(await failure(listBedrockModels(context(repeating.fetch)))).toMatchObject({
      kind: 'bad_payload',
      message: 'bedrock ListInferenceProfiles repeated nextToken again',
    })
  })

  it('does not list inference profiles when every model runs on demand', async () => {
    const onDemand = foundationModels.modelSummaries.filter((m) => m.inferenceTypesSupported.includes('ON_DEMAND'))
    const { fetch, requests } = stubFetch(() => ({ body: { modelSummaries: onDemand } }))
    const { models } = await listBedrockModels(context(fetch))
    expect(models).toHaveLength(onDemand.length)
    expect(requests).toHaveLength(1)
  })

  it('names the call, the error type and the message; a failing second call fails the listing', async () => {
    const denied = stubFetch(() => ({
      status: 403,
      body: accessDenied,
      headers: {
        'x-amzn-ErrorType': 'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/',
      },
    }))
    const error = await failure(listBedrockModels(context(denied.fetch)))
    expect(error).toMatchObject({ kind: 'auth', status: 403 })
    expect(error.message).toBe(
      `bedrock ListFoundationModels returned 403: AccessDeniedException: ${accessDenied.message}`,
    )

    const throttledProfiles = stubFetch((url) =>
      url.pathname.endsWith('/foundation-models')
        ? { body: foundationModels }
        : { status: 400, body: { message: 'Rate exceeded' }, headers: { 'x-amzn-ErrorType': 'ThrottlingException' } },
    )
    expect(await failure(listBedrockModels(context(throttledProfiles.fetch)))).toMatchObject({
      kind: 'rate_limited',
      message: 'bedrock ListInferenceProfiles returned 400: ThrottlingException: Rate exceeded',
    })

    const broken = stubFetch(() => ({ body: '<html>' }))
    expect((await failure(listBedrockModels(context(broken.fetch)))).message).toMatch(
      /^decode bedrock ListFoundationModels response:/,
    )
  })

  it('tells network failures from the probe deadline', async () => {
    const down = (async () => {
      throw new TypeError('connection refused')
    }) as typeof globalThis.fetch
    expect(await failure(listBedrockModels(context(down)))).toMatchObject({
      kind: 'network',
      message: 'bedrock ListFoundationModels unreachable: connection refused',
    })
    const controller = new AbortController()
    controller.abort()
    expect(await failure(listBedrockModels(context(down, { signal: controller.signal })))).toMatchObject({
      kind: 'timeout',
    })
  })

  it('is unconfigured, without calling anything, when the credential or the region is missing', async () => {
    const { fetch, requests } = stubFetch(fixtures)
    expect(await failure(listBedrockModels(context(fetch, { credential: undefined })))).toMatchObject({
      kind: 'unconfigured',
      message: 'AWS credentials not configured',
    })
    const { region: _r, ...noRegion } = CREDENTIAL
    const error = await failure(listBedrockModels(context(fetch, { credential: JSON.stringify(noRegion) })))
    expect(error.kind).toBe('unconfigured')
    expect(error.message).toMatch(/region/)
    expect(requests).toHaveLength(0)
  })
})
