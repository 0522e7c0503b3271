import type { ProviderConfigRecord } from '../db/declared'
import { type Env, RESERVED_ENV_NAMES, envEntry } from '../env'
import { decryptSecret } from '../secrets'
import { bindingAllows, hostOf } from '../hosts'

export type ResolvedCredential =
  { kind: 'none' } | { kind: 'value'; value: string } | { kind: 'error'; message: string }

/** The backend a credential would be sent to. */
export interface CredentialTarget {
  baseUrl: string
  /** The type's official API hosts: where a type-wide credential stored without `hosts` may go. */
  officialHosts: readonly string[]
}

/**
 * The hosts a stored credential may be sent to. A config without `hosts` (stored before
 * bindings existed, or configured without them) is bound to its type's official hosts when
 * type-wide, and to its own backend when per backend: that backend loses the credential when
 * it moves to another host, so its own host is the only one it can have.
 */
export function boundHosts(
  config: Pick<ProviderConfigRecord, 'hosts' | 'backendId'>,
  target: CredentialTarget,
): readonly string[] {
  if (config.hosts) return config.hosts
  return config.backendId ? [hostOf(target.baseUrl)] : target.officialHosts
}

/**
 * The credential a backend type uses: a literal key (stored encrypted) or the
 * value of the Worker secret/var the config names. A named secret that is unset resolves to ""
 * (listing proceeds without auth, as in the seed); no config at all resolves to `none`. A
 * credential is only resolved for a backend on a host it is bound to: for any other, the result
 * is an error saying where it is bound, so the probe answers `unconfigured` and sends nothing.
 */
export async function resolveCredential(
  config: ProviderConfigRecord | undefined,
  env: Env,
  target: CredentialTarget,
): Promise<ResolvedCredential> {
  if (!config) return { kind: 'none' }
  const hosts = boundHosts(config, target)
  if (!bindingAllows(hosts, target.baseUrl)) {
    const bound = hosts.length > 0 ? hosts.join(', ') : 'no host'
    return {
      kind: 'error',
      message:
        `the ${config.type} credential is bound to ${bound}; not sent to ${hostOf(target.baseUrl) || 'a base URL that does not parse'} ` +
        '(configure one for this backend with backendId, or list the host in hosts)',
    }
  }
  // A provider's own API is https: its key never goes to one of its hosts over plain http.
  if (!config.hosts && !config.backendId && !target.baseUrl.trim().toLowerCase().startsWith('https://')) {
    return {
      kind: 'error',
      message: `the ${config.type} credential goes to ${hostOf(target.baseUrl)} over https only; not sent over http`,
    }
  }
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
    const value = envEntry(env, name)
    return { kind: 'value', value: typeof value === 'string' ? value : '' }
  }
  return { kind: 'value', value: '' }
}
