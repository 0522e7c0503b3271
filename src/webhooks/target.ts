import ipaddr from 'ipaddr.js'
import { hostMatches } from '../hosts'
import { BudgetExhaustedError } from '../platform/invocation-budget'

/**
 * Where a webhook may be sent. A receiver is named by an https URL to a host whose every address
 * is public: a subscription must not turn this Worker into a way to reach the operator's own
 * network (or the metadata service of the cloud it runs next to). The check runs when a
 * subscription is registered and again before every attempt, since a name can be pointed
 * elsewhere after it was checked. Hosts matching WEBHOOK_ALLOW_HOSTS skip it: an internal
 * receiver, or http://127.0.0.1:PORT for local work.
 */
export interface TargetPolicy {
  /** Host patterns (as credential `hosts`) that may be any address, over http too. */
  allowHosts: readonly string[]
  /** The host's addresses (A and AAAA); an error when it cannot be looked up. */
  resolve: (host: string) => Promise<string[]>
}

/** Longest URL a subscription may name. */
export const MAX_WEBHOOK_URL_CHARS = 2048

/**
 * What in `url` alone keeps it from being a receiver (before any lookup), or undefined. Also
 * answers whether the host is allow-listed, which skips the address check.
 */
export function webhookUrlProblem(
  url: string,
  allowHosts: readonly string[],
): { problem: string } | { parsed: URL; allowed: boolean } {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { problem: 'url must be an absolute https URL' }
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return { problem: 'url must be an https URL' }
  if (parsed.username || parsed.password) return { problem: 'url must not contain a user name or password' }
  const allowed = allowHosts.some((pattern) => hostMatches(pattern, parsed))
  if (allowed) return { parsed, allowed }
  if (parsed.protocol !== 'https:') {
    return { problem: 'url must be an https URL (http only for a host in WEBHOOK_ALLOW_HOSTS)' }
  }
  const host = bareHost(parsed)
  if (ipaddr.isValid(host)) return { problem: 'url must name a host, not an IP address' }
  if (host === 'localhost' || host.endsWith('.localhost')) return { problem: 'url must not name localhost' }
  return { parsed, allowed }
}

/** Why `url` may not receive webhooks now, or undefined when it may. */
export async function webhookTargetProblem(url: string, policy: TargetPolicy): Promise<string | undefined> {
  const shape = webhookUrlProblem(url, policy.allowHosts)
  if ('problem' in shape) return shape.problem
  if (shape.allowed) return undefined
  const host = bareHost(shape.parsed)
  let addresses: string[]
  try {
    addresses = await policy.resolve(host)
  } catch (error) {
    if (error instanceof BudgetExhaustedError) throw error
    return `url's host ${host} could not be looked up: ${error instanceof Error ? error.message : String(error)}`
  }
  if (addresses.length === 0) return `url's host ${host} has no address`
  const inner = addresses.find((address) => !isPublicAddress(address))
  if (inner !== undefined) {
    return `url's host ${host} resolves to ${inner}, which is not a public address (private, loopback, link-local or reserved)`
  }
  return undefined
}

/** Whether an IP address is public unicast; IPv4 inside IPv6 (`::ffff:10.0.0.1`) is judged as IPv4. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  let parsed = ipaddr.parse(address)
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address()
  }
  return parsed.range() === 'unicast'
}

/** The host without IPv6 brackets, lower case. */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase()
}
