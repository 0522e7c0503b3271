import { describe, expect, it } from 'vitest'
import { credentialFingerprint } from './secrets'

const parts = { type: 'openai', baseUrl: 'https://api.openai.com/v1', credential: 'sk-test-fingerprint-0000' }
const KEY = 'secrets-test-key'

describe('credentialFingerprint', () => {
  it('is stable: the same inputs give the same fingerprint, with or without a secrets key', async () => {
    expect(await credentialFingerprint(parts)).toBe(await credentialFingerprint({ ...parts }))
    expect(await credentialFingerprint(parts, KEY)).toBe(await credentialFingerprint({ ...parts }, KEY))
    expect(await credentialFingerprint(parts, KEY)).toMatch(/^[0-9a-f]{64}$/)
  })

  it('changes with the credential, the base URL, the type and the secrets key', async () => {
    const base = await credentialFingerprint(parts, KEY)
    const others = await Promise.all([
      credentialFingerprint({ ...parts, credential: 'sk-test-fingerprint-0001' }, KEY),
      credentialFingerprint({ ...parts, credential: undefined }, KEY),
      credentialFingerprint({ ...parts, baseUrl: 'https://proxy.example/v1' }, KEY),
      credentialFingerprint({ ...parts, type: 'openrouter' }, KEY),
      credentialFingerprint(parts, 'another-secrets-key'),
    ])
    for (const other of others) expect(other).not.toBe(base)
    expect(new Set(others).size).toBe(others.length)
  })

  it('with a secrets key is an HMAC, not the plain SHA-256 given without one', async () => {
    const plain = await credentialFingerprint(parts)
    const keyed = await credentialFingerprint(parts, KEY)
    expect(keyed).not.toBe(plain)
    // An empty key is no key: the plain digest.
    expect(await credentialFingerprint(parts, '')).toBe(plain)
    expect(keyed).not.toContain(parts.credential)
  })
})
