import { base64url } from '../platform/encoding'
import { derivedHmacKey, sha256Hex } from '../secrets'
import { digest, sameDigest } from './auth'

/**
 * The status pages' login: a browser presents a read token once, in a form, and gets a session
 * cookie. The cookie holds an expiry and an HMAC of the token's hash under the server's key, never
 * the token: rotating the token ends every session made with it, and a stolen cookie says nothing
 * about the token.
 */

/** Sent with the `__Host-` prefix: the browser keeps it only if it is Secure, for this host alone, on every path. */
export const SESSION_COOKIE_NAME = 'runtimestate-session'
export const SESSION_TTL_S = 12 * 60 * 60

export interface SessionKeys {
  /** The server's secret; without one, each token's own hash keys its sessions. */
  secretsKey?: string
  /** The tokens that may read (READ_TOKEN, ADMIN_TOKEN). */
  tokens: (string | undefined)[]
}

async function mac(expires: number, token: string, secretsKey: string | undefined): Promise<string> {
  const tokenHash = await sha256Hex(token)
  // The sessions' own key, derived from SECRETS_KEY (or, without one, from the token's hash).
  const key = await derivedHmacKey(secretsKey || tokenHash, 'session')
  const message = new TextEncoder().encode(`runtimestate-session|${expires}|${tokenHash}`)
  return base64url(await crypto.subtle.sign('HMAC', key, message))
}

/** The cookie value for a token that was accepted, valid until `now` + SESSION_TTL_S. */
export async function sessionValue(token: string, secretsKey: string | undefined, now: Date): Promise<string> {
  const expires = Math.floor(now.getTime() / 1000) + SESSION_TTL_S
  return `${expires}.${await mac(expires, token, secretsKey)}`
}

/** Whether a cookie value was made for one of the tokens and has not expired. */
export async function validSession(value: string | undefined, keys: SessionKeys, now: Date): Promise<boolean> {
  const match = /^(\d{10})\.([\w-]{43})$/.exec(value ?? '')
  if (!match) return false
  const expires = Number(match[1])
  const nowSeconds = now.getTime() / 1000
  if (expires <= nowSeconds || expires > nowSeconds + SESSION_TTL_S) return false
  const presented = await digest(match[2]!)
  let valid = false
  // Every token is tried, so the time taken does not say which one made the session.
  for (const token of keys.tokens) {
    if (token && sameDigest(presented, await digest(await mac(expires, token, keys.secretsKey)))) valid = true
  }
  return valid
}
