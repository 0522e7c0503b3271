import { pkcs8Pem } from './vertex-google/service-account'
import { describe, expect, it } from 'vitest'
import { REDACTED, credentialRedactor, redactCredential, secretsOf } from './redact'

const KEY = 'sk-test-Zq81fLm0PwX7vKd2QRST'

describe('redactCredential', () => {
  it('removes the key in full, and any run of 6 or more of its characters', () => {
    expect(redactCredential(`Incorrect API key provided: ${KEY}.`, KEY)).toBe(
      `Incorrect API key provided: ${REDACTED}.`,
    )
    expect(redactCredential('key fLm0PwX7 refused', KEY)).toBe(`key ${REDACTED} refused`)
    expect(redactCredential('near miss fLm0P only', KEY)).toBe('near miss fLm0P only')
  })

  it("removes OpenAI's masked forms: prefix and stars, prefix and ellipsis, the last 4 after them", () => {
    expect(redactCredential('provided: sk-test-****QRST.', KEY)).toBe(`provided: ${REDACTED}.`)
    expect(redactCredential('provided: sk-proj-********************Xy9Q.', 'sk-proj-abcdefghXy9Q')).toBe(
      `provided: ${REDACTED}.`,
    )
    expect(redactCredential('provided: sk-...QRST.', KEY)).toBe(`provided: ${REDACTED}.`)
    expect(redactCredential('provided: sk-test…QRST.', KEY)).toBe(`provided: ${REDACTED}.`)
    expect(redactCredential('the key ending in …QRST was revoked', KEY)).toBe(
      `the key ending in ${REDACTED} was revoked`,
    )
    // Another key's mask is not this key's fragment.
    expect(redactCredential('key ab…WXYZ is not ours', KEY)).toBe('key ab…WXYZ is not ours')
    expect(redactCredential('wait...', KEY)).toBe('wait...')
  })

  it("keeps our own public words that a key happens to contain, but not the key's text around them", () => {
    const redact = credentialRedactor('sk-test-mistral-0000', ['Mistral'])
    expect(redact('mistral catalog returned 401: Unauthorized')).toBe('mistral catalog returned 401: Unauthorized')
    expect(redact('mistral catalog: bad key sk-test-mistral-0000')).toBe(`mistral catalog: bad key ${REDACTED}`)
    expect(redact('mistral catalog: bad key mistral-0000')).toBe(`mistral catalog: bad key ${REDACTED}`)
  })

  it('leaves text alone without a credential, and ignores a key too short to mean anything', () => {
    expect(redactCredential(`text ${KEY}`, undefined)).toBe(`text ${KEY}`)
    expect(redactCredential('abc abc', 'abc')).toBe('abc abc')
    expect(redactCredential('key abcd!', 'abcd')).toBe(`key ${REDACTED}!`)
  })

  it("redacts each secret value of a JSON credential, not the credential's field names or public values", () => {
    // Any 6-character run of a secret goes, so these are random-looking, as real keys are.
    const bedrock = JSON.stringify({
      access_key_id: 'ASIAQ7XK2M9PLW4RT8ZD',
      secret_access_key: 'wJalrXUtnFEMIK7MDENGbPxRfiCYq8Zk2mZ9pQ',
      session_token: 'IQoJb3JpZ2luX2VjEHYaCXVzLWVhc3QtMSJHMEUCIQD',
      region: 'us-east-1',
    })
    const message =
      'signature for ASIAQ7XK2M9PLW4RT8ZD with secret wJalrXUtnFEMIK7MDENGbPxRfiCYq8Zk2mZ9pQ in us-east-1 (session_token)'
    expect(redactCredential(message, bedrock)).toBe(
      `signature for ${REDACTED} with secret ${REDACTED} in us-east-1 (session_token)`,
    )
  })

  it("redacts a service account's private key body and key id, not its PEM armor or project", () => {
    const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7'
    const account = JSON.stringify({
      type: 'service_account',
      project_id: 'my-project',
      private_key_id: '0123456789abcdef0123456789abcdef01234567',
      private_key: pkcs8Pem(body),
      client_email: 'reader@my-project.iam.gserviceaccount.com',
    })
    expect(secretsOf(account)).toEqual([body, '0123456789abcdef0123456789abcdef01234567'])
    expect(redactCredential(`bad key ${body.slice(10, 30)} in my-project PRIVATE KEY`, account)).toBe(
      `bad key ${REDACTED} in my-project PRIVATE KEY`,
    )
  })

  it('stays fast for an 8 KiB key and a 64 KiB message', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
    let seed = 7
    const random = (n: number) =>
      Array.from({ length: n }, () => alphabet[(seed = (seed * 48271) % 2147483647) % alphabet.length]).join('')
    const key = random(8192)
    const text = `${random(30_000)} ${key.slice(4000, 4100)} ${'*'.repeat(3000)}${'…'.repeat(2000)} ${random(30_000)}`
    const redact = credentialRedactor(key)
    const started = performance.now()
    const out = redact(text)
    // A budget, not a speed measure: a scan per key position would take minutes here.
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(out).not.toContain(key.slice(4000, 4100))
  })
})
