/**
 * Literal provider keys are stored AES-GCM encrypted; the key is derived from the SECRETS_KEY
 * Worker secret, so a database dump alone reveals no credential.
 */
const VERSION = 'v1'

async function aesKey(secretsKey: string): Promise<CryptoKey> {
  const material = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secretsKey))
  return crypto.subtle.importKey('raw', material, 'AES-GCM', false, ['encrypt', 'decrypt'])
}

export async function encryptSecret(plaintext: string, secretsKey: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv },
    await aesKey(secretsKey),
    new TextEncoder().encode(plaintext),
  )
  return `${VERSION}:${toBase64(iv)}:${toBase64(new Uint8Array(ciphertext))}`
}

/** Throws when the value was encrypted under another SECRETS_KEY or was tampered with. */
export async function decryptSecret(stored: string, secretsKey: string): Promise<string> {
  const [version, iv, ciphertext] = stored.split(':')
  if (version !== VERSION || !iv || !ciphertext) throw new Error('unknown secret format')
  const plaintext = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64(iv) },
    await aesKey(secretsKey),
    fromBase64(ciphertext),
  )
  return new TextDecoder().decode(plaintext)
}

/**
 * Identifies a credential (with the base URL it is used against) without revealing it: the
 * model cache stores this, never the key, so a rotated key or a moved backend is a cache miss.
 * With `secretsKey` (SECRETS_KEY) it is an HMAC-SHA256 keyed by it, so someone who can read KV
 * but not the Worker's secrets cannot brute-force a weak credential from it; without one it
 * falls back to a plain SHA-256. Setting or changing SECRETS_KEY makes cached lists miss once.
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
  if (!secretsKey) return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', input)))
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secretsKey),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  return toHex(new Uint8Array(await crypto.subtle.sign('HMAC', key, input)))
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)))
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
}
