/**
 * Hosts and origins of base URLs, and where a stored credential may be sent: one module below
 * everything that names a host (db, reconcile, http). A binding is a list of host patterns:
 *
 * - `host` matches that host on any port; `host:port` only on that port (a base URL without a
 *   port is on its scheme's default port, 80 or 443);
 * - `*` stands for one or more characters inside one DNS label, never a dot: `*.example.com`
 *   matches `eu.example.com` but neither `example.com` nor `a.b.example.com`, as a TLS wildcard
 *   would; `*-aiplatform.googleapis.com` matches `us-central1-aiplatform.googleapis.com`;
 * - names compare case-insensitively; IPv6 addresses are written in brackets, `[::1]:8000`.
 *
 * Operators may only write the `*.` prefix form (see `hostPatternProblem`); adapters' own
 * official hosts use `*` inside a label where a provider puts the region there.
 */

/** How many hosts one binding may list, and how long one may be (a DNS name plus `:65535`). */
export const MAX_BOUND_HOSTS = 32
export const MAX_HOST_PATTERN_LENGTH = 260

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' }

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
const OPERATOR_PATTERN = new RegExp(`^(?:\\*\\.)?(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9a-f:.]+\\])(?::(\\d{1,5}))?$`)

/** The host a base URL points at, as bindings and messages name it: `host` or `host:port`, lower case. */
export function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host.toLowerCase()
  } catch {
    return ''
  }
}

/** Scheme, host and port of a base URL, lower case (`https://h:8443`); '' when it does not parse. */
export function originOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).origin.toLowerCase()
  } catch {
    return ''
  }
}

/** Why `pattern` is not a host an operator may bind a credential to, or undefined when it is. */
export function hostPatternProblem(pattern: string): string | undefined {
  const match = OPERATOR_PATTERN.exec(pattern)
  if (!match) return 'must be a host name or IP address, optionally with :port and a leading *.'
  const port = match[1]
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return 'has a port outside 1-65535'
  if (pattern.startsWith('*.') && !pattern.slice(2).includes('.')) {
    return 'may only wildcard a label below a domain (*.example.com, not *.com)'
  }
  return undefined
}

function splitPort(pattern: string): { host: string; port?: string } {
  const match = /^(.*?)(?::(\d+))?$/.exec(pattern)!
  // `[::1]` ends in a bracket, so the optional port group cannot eat part of an IPv6 address.
  return { host: match[1]!, port: match[2] }
}

function hostRegExp(host: string): RegExp {
  const escaped = host
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.[\]\\^$+?(){}|]/g, '\\$&'))
    .join('[a-z0-9-]+')
  return new RegExp(`^${escaped}$`)
}

/** Whether `url` is a host the pattern allows. */
export function hostMatches(pattern: string, url: URL): boolean {
  const { host, port } = splitPort(pattern.trim().toLowerCase())
  if (port !== undefined && port !== (url.port || DEFAULT_PORT[url.protocol])) return false
  return hostRegExp(host).test(url.hostname.toLowerCase())
}

/** Whether a credential bound to `hosts` may be sent to `baseUrl`. Nothing is allowed for a URL that does not parse. */
export function bindingAllows(hosts: readonly string[], baseUrl: string): boolean {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    return false
  }
  return hosts.some((pattern) => hostMatches(pattern, url))
}
