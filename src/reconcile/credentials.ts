import type { ProviderConfigRecord } from '../db/declared'
import { type Env, RESERVED_ENV_NAMES } from '../env'
import { decryptSecret } from '../secrets'

export type ResolvedCredential =
  { kind: 'none' } | { kind: 'value'; value: string } | { kind: 'error'; message: string }

/**
 * The credential a backend type uses (seed-spec §6.2): a literal key (stored encrypted) or the
 * value of the Worker secret/var the config names. A named secret that is unset resolves to ""
 * (listing proceeds without auth, as in the seed); no config at all resolves to `none`.
 */
export async function resolveCredential(
  config: ProviderConfigRecord | undefined,
  env: Env,
): Promise<ResolvedCredential> {
  if (!config) return { kind: 'none' }
  if (config.apiKeyCiphertext) {
    if (!env.SECRETS_KEY) {
      return { kind: 'error', message: `stored API key for ${config.type} cannot be read: SECRETS_KEY is not set` }
    }
    try {
      return { kind: 'value', value: await decryptSecret(config.apiKeyCiphertext, env.SECRETS_KEY) }
    } catch {
      return {
        kind: 'error',
        message: `stored API key for ${config.type} cannot be decrypted: SECRETS_KEY changed since it was stored`,
      }
    }
  }
  const name = config.apiKeyEnv?.trim()
  if (name && RESERVED_ENV_NAMES.has(name.toUpperCase())) {
    return { kind: 'error', message: `apiKeyEnv names ${name}, one of this service's own settings: not a credential` }
  }
  if (name) {
    const value = env[name]
    return { kind: 'value', value: typeof value === 'string' ? value : '' }
  }
  return { kind: 'value', value: '' }
}
