import { z } from 'zod'
import { ProviderError, kindForStatus } from '../../errors/provider-error'
import { hex } from '../../platform/encoding'
import { readGoogleError } from '../gemini/google'
import { requestJson } from '../http'
import type { ListContext } from '../types'
import { firstIssue } from '../zod-issue'
import { type ServiceAccount, importPrivateKey, signAssertion } from './service-account'

const PREFIX = 'vertex-google list models: vertex AI service account token'
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
/** A token is given up this long before Google says it expires. */
const EXPIRY_MARGIN_MS = 60_000
/** OAuth errors that mean the account or its key is not (or no longer) accepted. */
const AUTH_ERRORS = ['invalid_grant', 'invalid_client', 'unauthorized_client', 'access_denied']

const tokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive().nullish(),
  token_type: z.string().nullish(),
})

export interface MintedToken {
  accessToken: string
  expiresInSeconds: number
}

/**
 * Access tokens by credential fingerprint, in this isolate's memory only: a token is never
 * written to KV, the database or a log. Concurrent requests for the same credential share one
 * token request; a token is given up a minute before it expires.
 */
export class TokenCache {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>()
  private readonly pending = new Map<string, Promise<string>>()

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 64,
  ) {}

  get(key: string, mint: () => Promise<MintedToken>): Promise<string> {
    const cached = this.tokens.get(key)
    if (cached && cached.expiresAt > this.now()) return Promise.resolve(cached.token)
    this.tokens.delete(key)
    const inFlight = this.pending.get(key)
    if (inFlight) return inFlight
    const requestedAt = this.now()
    const request = mint()
      .then(({ accessToken, expiresInSeconds }) => {
        const expiresAt = requestedAt + expiresInSeconds * 1000 - EXPIRY_MARGIN_MS
        if (expiresAt > this.now()) this.store(key, { token: accessToken, expiresAt })
        return accessToken
      })
      .finally(() => this.pending.delete(key))
    this.pending.set(key, request)
    return request
  }

  /** Forgets a token the API refused (revoked, or expired early). */
  evict(key: string): void {
    this.tokens.delete(key)
  }

  get size(): number {
    return this.tokens.size
  }

  private store(key: string, entry: { token: string; expiresAt: number }) {
    const now = this.now()
    for (const [k, v] of this.tokens) if (v.expiresAt <= now) this.tokens.delete(k)
    while (this.tokens.size >= this.maxEntries) this.tokens.delete(this.tokens.keys().next().value!)
    this.tokens.set(key, entry)
  }
}

/** Identifies a credential in the token cache without keeping it: SHA-256 of the key file. */
export async function tokenCacheKey(credential: string): Promise<string> {
  const input = new TextEncoder().encode(`vertex-google-token\0${credential}`)
  return hex(await crypto.subtle.digest('SHA-256', input))
}

/** `{"access_token","expires_in","token_type"}` from the token endpoint. */
export function parseTokenResponse(json: unknown): MintedToken {
  const parsed = tokenSchema.safeParse(json)
  if (!parsed.success) {
    throw new ProviderError('bad_payload', `${PREFIX}: decode token response: ${firstIssue(parsed.error)}`)
  }
  if (parsed.data.token_type && parsed.data.token_type.toLowerCase() !== 'bearer') {
    const type = parsed.data.token_type
    throw new ProviderError('bad_payload', `${PREFIX}: token endpoint returned a ${type} token, not Bearer`)
  }
  return { accessToken: parsed.data.access_token, expiresInSeconds: parsed.data.expires_in ?? 3600 }
}

/**
 * Signs an assertion with the account's key and exchanges it at token_uri (form-encoded
 * jwt-bearer grant), through the probe's fetch and deadline. A refused assertion (400
 * invalid_grant: wrong or deleted key, bad clock) is an auth failure.
 */
export async function mintAccessToken(ctx: ListContext, sa: ServiceAccount): Promise<MintedToken> {
  const key = await importPrivateKey(sa.privateKey)
  const assertion = await signAssertion(sa, key, Math.floor(Date.now() / 1000))
  let oauthError: string | undefined
  try {
    const json = await requestJson(ctx, sa.tokenUri, {
      label: 'token endpoint',
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
      errorDetail: (body) => {
        const error = readGoogleError(body)
        oauthError = error.reasons[0]
        return error.detail
      },
    })
    return parseTokenResponse(json)
  } catch (error) {
    if (!(error instanceof ProviderError) || error.message.startsWith(PREFIX)) throw error
    const kind =
      error.status === 400 && oauthError && AUTH_ERRORS.includes(oauthError)
        ? 'auth'
        : error.status
          ? kindForStatus(error.status)
          : error.kind
    throw new ProviderError(kind, `${PREFIX}: ${error.message}`, { status: error.status, cause: error })
  }
}
