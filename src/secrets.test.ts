import { describe, expect, it } from 'vitest'
import {
  KEY_PURPOSES,
  type KeyPurpose,
  credentialFingerprint,
  decryptSecret,
  derivedKeyBytes,
  encryptSecret,
  publishableBaseUrl,
} from './secrets'

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

/** `sk-test-legacy-0000` encrypted under KEY by the format before HKDF (key = SHA-256 of SECRETS_KEY). */
const LEGACY_CIPHERTEXT = 'v1:mTB52P61oaRZIcgU:kiXwVa1/yVRM3lrT+Q7klXNc31ake1Vpcekx52b/Lo4sybU='
/** The fingerprint of `parts` under KEY before HKDF (an HMAC keyed by SECRETS_KEY itself). */
const LEGACY_FINGERPRINT = 'd1d0cd89a49768bffe348a01891932b70be02fde74bda0d814b60635859f7771'

const bytes = (text: string) => new TextEncoder().encode(text)
const hex = (buffer: ArrayBuffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('')

/** HKDF-SHA256 of `secretsKey`, empty salt, written out here so the test does not trust the code it checks. */
async function hkdf(secretsKey: string, info: string): Promise<ArrayBuffer> {
  const base = await crypto.subtle.importKey('raw', bytes(secretsKey), 'HKDF', false, ['deriveBits'])
  return crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: bytes(info) },
    base,
    256,
  )
}

describe('keys derived from SECRETS_KEY', () => {
  it('are HKDF-SHA256 of it, one distinct info and key per purpose, none the key or its plain digest', async () => {
    const infos = Object.values(KEY_PURPOSES)
    expect(new Set(infos).size).toBe(infos.length)
    const keys = await Promise.all(
      (Object.keys(KEY_PURPOSES) as KeyPurpose[]).map(async (purpose) => {
        const derived = hex(await derivedKeyBytes(KEY, purpose))
        expect(derived).toBe(hex(await hkdf(KEY, KEY_PURPOSES[purpose])))
        return derived
      }),
    )
    expect(new Set(keys).size).toBe(keys.length)
    expect(keys).not.toContain(hex(await crypto.subtle.digest('SHA-256', bytes(KEY))))
    expect(keys).not.toContain(hex(bytes(KEY).buffer as ArrayBuffer))
  })
})

describe('encryptSecret / decryptSecret', () => {
  it('round-trips, and a new ciphertext carries the HKDF version', async () => {
    const stored = await encryptSecret('sk-test-roundtrip-1111', KEY)
    expect(stored).toMatch(/^v2:/)
    expect(stored).not.toContain('sk-test')
    expect(await decryptSecret(stored, KEY)).toBe('sk-test-roundtrip-1111')
  })

  it('encrypts under the credentials key, not the plain SHA-256 of SECRETS_KEY', async () => {
    const [, iv, ciphertext] = (await encryptSecret('sk-test-roundtrip-1111', KEY)).split(':') as [
      string,
      string,
      string,
    ]
    const decryptWith = async (raw: ArrayBuffer) =>
      new TextDecoder().decode(
        await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: Uint8Array.from(atob(iv), (c) => c.charCodeAt(0)) },
          await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt']),
          Uint8Array.from(atob(ciphertext), (c) => c.charCodeAt(0)),
        ),
      )
    expect(await decryptWith(await hkdf(KEY, KEY_PURPOSES.credentials))).toBe('sk-test-roundtrip-1111')
    await expect(decryptWith(await crypto.subtle.digest('SHA-256', bytes(KEY)))).rejects.toThrow()
  })

  it('still decrypts a ciphertext stored before HKDF', async () => {
    expect(await decryptSecret(LEGACY_CIPHERTEXT, KEY)).toBe('sk-test-legacy-0000')
  })

  it('refuses another SECRETS_KEY, a tampered value and an unknown format', async () => {
    const stored = await encryptSecret('sk-test-roundtrip-1111', KEY)
    await expect(decryptSecret(stored, 'another-secrets-key')).rejects.toThrow()
    await expect(decryptSecret(LEGACY_CIPHERTEXT, 'another-secrets-key')).rejects.toThrow()
    const flipped = stored.slice(0, -2) + (stored.endsWith('A=') ? 'B=' : 'A=')
    await expect(decryptSecret(flipped, KEY)).rejects.toThrow()
    for (const bad of ['', 'v3:a:b', 'v2:onlyiv', 'sk-test-plain']) {
      await expect(decryptSecret(bad, KEY)).rejects.toThrow('unknown secret format')
    }
  })
})

describe('credentialFingerprint keys', () => {
  it('is an HMAC under the fingerprint key derived from SECRETS_KEY, no longer under SECRETS_KEY itself', async () => {
    const fingerprint = await credentialFingerprint(parts, KEY)
    expect(fingerprint).not.toBe(LEGACY_FINGERPRINT)
    const key = await crypto.subtle.importKey(
      'raw',
      await hkdf(KEY, KEY_PURPOSES.fingerprint),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    const input = bytes(['runtimestate-cache-v1', parts.type, parts.baseUrl, parts.credential].join('\0'))
    expect(fingerprint).toBe(hex(await crypto.subtle.sign('HMAC', key, input)))
  })
})

describe('publishableBaseUrl', () => {
  it.each([
    ['https://proxy.example/v1?key=sk-test-query-0000', 'https://proxy.example/v1'],
    ['https://proxy.example/v1#sk-test-fragment-0000', 'https://proxy.example/v1'],
    ['https://proxy.example/v1/?a=1#b?c', 'https://proxy.example/v1/'],
    ['https://proxy.example/v1?', 'https://proxy.example/v1'],
    ['https://proxy.example/v1?key=line\nbreak', 'https://proxy.example/v1'],
  ])('drops the query string and fragment of %j', (stored, published) => {
    expect(publishableBaseUrl(stored)).toBe(published)
  })

  it('keeps any other base URL exactly as stored', () => {
    for (const url of ['http://gpu-1:11434', 'https://api.openai.com/v1/', 'https://h/a%3Fb', 'not a url']) {
      expect(publishableBaseUrl(url)).toBe(url)
    }
  })
})
