import { base64, fromBase64, hex } from './platform/encoding'

/**
 * Every key this service holds is derived from the one SECRETS_KEY Worker secret with HKDF-SHA256,
 * each under its own `info`, so no two purposes share a key: a fingerprint in KV, a session
 * cookie or a ciphertext in the database says nothing about the key of another purpose. The
 * salt is empty, as HKDF allows: SECRETS_KEY is itself a random secret, and the salt would be
 * one more value to keep.
 */
export const KEY_PURPOSES = {
  /** AES-GCM: literal provider keys, encrypted at rest in the database. */
  credentials: 'runtimestate provider-credentials aes-gcm v2',
  /** HMAC-SHA256: the credential fingerprints stored in model-cache entries. */
  fingerprint: 'runtimestate model-cache-fingerprint hmac-sha256',
  /** HMAC-SHA256: status-page session cookies; the info they always had, so no session ends. */
  session: 'runtimestate-session',
} as const

export type KeyPurpose = keyof typeof KEY_PURPOSES

/** 32 bytes for one purpose, derived from `material` (SECRETS_KEY, or a token's hash for sessions without one). */
export async function derivedKeyBytes(material: string, purpose: KeyPurpose): Promise<ArrayBuffer> {
  const base = await crypto.subtle.importKey('raw', new TextEncoder().encode(material), 'HKDF', false, ['deriveBits'])
  return crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode(KEY_PURPOSES[purpose]) },
    base,
    256,
  )
}

/**
 * An HMAC-SHA256 signing key for one purpose. Derived on each use: a promise kept from another
 * request is not one workerd lets this request wait on.
 */
export async function derivedHmacKey(material: string, purpose: 'fingerprint' | 'session'): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    await derivedKeyBytes(material, purpose),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
}

/**
 * Literal provider keys are stored AES-GCM encrypted under a key derived from SECRETS_KEY, so a
 * database dump alone reveals no credential. The stored value is `version:iv:ciphertext`:
 * - `v2`: the key is the HKDF-derived `credentials` key; every new value is written so.
 * - `v1`: the key was the plain SHA-256 of SECRETS_KEY, as values stored before HKDF were. They
 *   still decrypt, and become `v2` when the credential is next configured.
 */
const CURRENT_VERSION = 'v2'

const CREDENTIALS_KEY_BY_VERSION: Record<string, (secretsKey: string) => Promise<ArrayBuffer>> = {
  v1: (secretsKey) => crypto.subtle.digest('SHA-256', new TextEncoder().encode(secretsKey)),
  v2: (secretsKey) => derivedKeyBytes(secretsKey, 'credentials'),
}

async function aesKey(version: string, secretsKey: string): Promise<CryptoKey> {
  const material = await CREDENTIALS_KEY_BY_VERSION[version]!(secretsKey)
  return crypto.subtle.importKey('raw', material, 'AES-GCM', false, ['encrypt', 'decrypt'])
}

export async function encryptSecret(plaintext: string, secretsKey: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv },
    await aesKey(CURRENT_VERSION, secretsKey),
    new TextEncoder().encode(plaintext),
  )
  return `${CURRENT_VERSION}:${base64(iv)}:${base64(ciphertext)}`
}

/** Throws when the value was encrypted under another SECRETS_KEY or was tampered with. */
export async function decryptSecret(stored: string, secretsKey: string): Promise<string> {
  const [version, iv, ciphertext, ...rest] = stored.split(':')
  if (!version || !Object.hasOwn(CREDENTIALS_KEY_BY_VERSION, version) || !iv || !ciphertext || rest.length > 0) {
    throw new Error('unknown secret format')
  }
  const plaintext = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64(iv) },
    await aesKey(version, secretsKey),
    fromBase64(ciphertext),
  )
  return new TextDecoder().decode(plaintext)
}

/**
 * Identifies a credential (with the base URL it is used against) without revealing it: the
 * model cache stores this, never the key, so a rotated key or a moved backend is a cache miss.
 * With `secretsKey` (SECRETS_KEY) it is an HMAC-SHA256 under the `fingerprint` key derived from
 * it, so someone who can read KV but not the Worker's secrets cannot brute-force a weak
 * credential from it; without one it falls back to a plain SHA-256. Setting or changing
 * SECRETS_KEY (or how keys are derived from it) makes cached lists miss once.
 */
export async function credentialFingerprint(
  parts: {
    type: string
    baseUrl: string
    credential: string | undefined
  },
  secretsKey?: string,
): Promise<string> {
  const input = new TextEncoder().encode(
    ['runtimestate-cache-v1', parts.type, parts.baseUrl.trim(), parts.credential ?? ''].join('\0'),
  )
  if (!secretsKey) return hex(await crypto.subtle.digest('SHA-256', input))
  const key = await derivedHmacKey(secretsKey, 'fingerprint')
  return hex(await crypto.subtle.sign('HMAC', key, input))
}

/**
 * A stored base URL as it may be published or returned: without its query string and fragment,
 * where a key can hide (`?key=…`). Base URLs with either are refused when declared; this covers
 * those stored before. For an http(s) URL the first `?` or `#` starts them (a user name or
 * password cannot hold one unencoded), so the rest is kept exactly as stored. The probe uses the
 * same value: a provider's path is appended to the base URL, and after a query string or fragment
 * it never reached the listing's path anyway.
 */
export function publishableBaseUrl(stored: string): string {
  return stored.replace(/[?#][\s\S]*$/, '')
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', typeof data === 'string' ? new TextEncoder().encode(data) : data))
}
