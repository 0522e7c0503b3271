import { expect } from 'vitest'
import { generateTestKey, testServiceAccount } from './support/vertex-google-key'
import { FAKE_HOST, adminJson, createBackend, fake } from './helpers'

/** The project test/fake-providers/vertex.ts lets callers bill. */
const VERTEX_PROJECT = 'rs-test-project'

async function configure(type: string, apiKey: string): Promise<void> {
  const response = await adminJson('POST', `/providers/${type}/configure`, { hosts: [FAKE_HOST], apiKey, upsert: true })
  expect(response.status, `configuring ${type}`).toBe(200)
}

/**
 * One backend of every type, each named after its type, serving the recorded listings of
 * fixtures/providers/ from the fake providers, with the credentials those fakes accept.
 */
export async function createFixtureFleet(tag: string): Promise<void> {
  await createBackend('ollama', 'ollama', fake('ollama', 'ok', `${tag}-ol`))
  await createBackend('vllm', 'vllm', fake('vllm', 'ok', `${tag}-vl`))
  await createBackend('openai', 'openai', `${fake('openai', 'ok', `${tag}-oa`)}/v1`)
  await configure('openai', 'sk-test-fleet-0000')
  await createBackend('openrouter', 'openrouter', `${fake('openrouter', 'ok', `${tag}-or`)}/api/v1`)
  await configure('openrouter', 'sk-test-or-0000')
  await createBackend('anthropic', 'anthropic', fake('anthropic', 'ok', `${tag}-an`))
  await configure('anthropic', 'sk-test-ant-0000')
  await createBackend('mistral', 'mistral', `${fake('mistral', 'ok', `${tag}-mi`)}/v1`)
  await configure('mistral', 'sk-test-mistral-0000')
  await createBackend('gemini', 'gemini', fake('gemini', 'ok', `${tag}-gm`))
  await configure('gemini', 'gm-test-0000')
  await createBackend('bedrock', 'bedrock', fake('bedrock', 'ok', `us-east-1.${tag}`))
  await configure(
    'bedrock',
    JSON.stringify({
      access_key_id: 'ASIATESTFAKEKEYID000',
      secret_access_key: 'test-Zq8Kd2Lm9Xv4Rt7Wp3Ny',
      region: 'us-east-1',
    }),
  )
  const key = await generateTestKey()
  await createBackend(
    'vertex',
    'vertex-google',
    `${fake('vertex', 'ok', `${tag}-vx`)}/v1/projects/${VERTEX_PROJECT}/locations/us-central1`,
  )
  await configure(
    'vertex-google',
    testServiceAccount(key, `${fake('vertex', 'ok', `tok-${tag}`)}/token/${key.publicSpki}`),
  )
}
