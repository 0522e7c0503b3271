import { base64, fromBase64 } from '../platform/encoding'

/**
 * Standard Webhooks v1 signing: `webhook-signature` holds `v1,<base64 HMAC-SHA256>` of
 * `<webhook-id>.<webhook-timestamp>.<body>`, one per secret that signs, separated by spaces, so a
 * receiver that has either secret accepts a message while a secret is being rotated.
 */

const SECRET_PREFIX = 'whsec_'
const SECRET_BYTES = 32

/** A new signing secret: `whsec_` and the base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return SECRET_PREFIX + base64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)))
}

async function signingKey(secret: string): Promise<CryptoKey> {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a signing secret starts with whsec_')
  const raw = fromBase64(secret.slice(SECRET_PREFIX.length))
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
}

/** The `webhook-signature` value for one message, signed by each of `secrets` in turn. */
export async function signatureHeader(
  secrets: readonly string[],
  message: { id: string; timestampS: number; body: string },
): Promise<string> {
  const signed = new TextEncoder().encode(`${message.id}.${message.timestampS}.${message.body}`)
  const signatures = await Promise.all(
    secrets.map(async (secret) => {
      const mac = await crypto.subtle.sign('HMAC', await signingKey(secret), signed)
      return `v1,${base64(new Uint8Array(mac))}`
    }),
  )
  return signatures.join(' ')
}
