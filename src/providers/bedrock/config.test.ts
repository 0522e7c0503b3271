import { describe, expect, it } from 'vitest'
import { ProviderError } from '../../errors/provider-error'
import { parseBedrockCredential, resolveBedrockEndpoint } from './config'

const SECRET = 'test-Zq8Kd2Lm9Xv4Rt7Wp3Ny'

function thrown(fn: () => unknown): ProviderError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ProviderError) return error
    throw error
  }
  throw new Error('expected a ProviderError')
}

describe('bedrock credential', () => {
  it('reads {access_key_id, secret_access_key, session_token?, region?}', () => {
    expect(
      parseBedrockCredential(
        JSON.stringify({
          access_key_id: 'ASIATESTFAKEKEYID000',
          secret_access_key: SECRET,
          session_token: 'tok',
          region: 'EU-WEST-1',
        }),
      ),
    ).toEqual({
      accessKeyId: 'ASIATESTFAKEKEYID000',
      secretAccessKey: SECRET,
      sessionToken: 'tok',
      region: 'eu-west-1',
    })
    expect(
      parseBedrockCredential(
        JSON.stringify({ access_key_id: 'ASIATESTFAKEKEYID000', secret_access_key: SECRET, session_token: '' }),
      ),
    ).toEqual({ accessKeyId: 'ASIATESTFAKEKEYID000', secretAccessKey: SECRET })
  })

  it('says what is wrong without ever echoing the secret', () => {
    for (const credential of [
      SECRET,
      `{"access_key_id":"ASIATESTFAKEKEYID000","secret_access_key":"${SECRET}"`,
      JSON.stringify([SECRET]),
      JSON.stringify({ access_key_id: 'ASIATESTFAKEKEYID000', secret: SECRET }),
      JSON.stringify({ access_key_id: 'ASIATESTFAKEKEYID000', secret_access_key: 42 }),
      JSON.stringify({ access_key_id: 'ASIATESTFAKEKEYID000', secret_access_key: SECRET, region: SECRET }),
    ]) {
      const error = thrown(() => parseBedrockCredential(credential))
      expect(error.kind).toBe('unconfigured')
      expect(error.message).toMatch(/^Bedrock credential must be JSON \{"access_key_id", "secret_access_key"/)
      expect(error.message).not.toContain(SECRET)
    }
    expect(thrown(() => parseBedrockCredential(JSON.stringify({ secret_access_key: SECRET }))).message).toContain(
      '"access_key_id" is missing',
    )
    expect(thrown(() => parseBedrockCredential(undefined))).toMatchObject({
      kind: 'unconfigured',
      message: 'AWS credentials not configured',
    })
    expect(thrown(() => parseBedrockCredential('  ')).message).toBe('AWS credentials not configured')
  })
})

describe('bedrock endpoint and region', () => {
  it('takes the region from a bedrock host, before the credential', () => {
    expect(resolveBedrockEndpoint('https://bedrock.eu-central-1.amazonaws.com/', 'us-east-1')).toEqual({
      base: 'https://bedrock.eu-central-1.amazonaws.com',
      region: 'eu-central-1',
    })
    // The runtime host names the same region; listing goes to its control plane.
    expect(resolveBedrockEndpoint('https://bedrock-runtime.us-west-2.amazonaws.com', undefined)).toEqual({
      base: 'https://bedrock.us-west-2.amazonaws.com',
      region: 'us-west-2',
    })
  })

  it('uses the credential region for a blank base or any other host', () => {
    expect(resolveBedrockEndpoint('', 'ap-south-1')).toEqual({
      base: 'https://bedrock.ap-south-1.amazonaws.com',
      region: 'ap-south-1',
    })
    expect(resolveBedrockEndpoint('http://127.0.0.1:9999/bedrock/ok/x/', 'eu-west-1')).toEqual({
      base: 'http://127.0.0.1:9999/bedrock/ok/x',
      region: 'eu-west-1',
    })
    // A bare region name (seed behaviour) is AWS's endpoint in that region.
    expect(resolveBedrockEndpoint('us-east-2', 'eu-west-1')).toEqual({
      base: 'https://bedrock.us-east-2.amazonaws.com',
      region: 'us-east-2',
    })
  })

  it('is unconfigured when no region is known, naming the missing region', () => {
    for (const base of ['', 'http://127.0.0.1:9999/bedrock/ok/x']) {
      const error = thrown(() => resolveBedrockEndpoint(base, undefined))
      expect(error.kind).toBe('unconfigured')
      expect(error.message).toMatch(/^Bedrock region not configured/)
      expect(error.message).toContain('"region"')
    }
    expect(thrown(() => resolveBedrockEndpoint('not a url', 'us-east-1')).kind).toBe('unconfigured')
  })
})
