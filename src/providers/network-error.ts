import { ProviderError } from '../errors/provider-error'

/**
 * What workerd's fetch reports, turned into what an operator can act on. workerd hides most
 * causes behind two messages (observed with the local runtime):
 * - `internal error; reference = <id>` for a DNS lookup that failed and for a TLS handshake
 *   that failed; only the URL tells them apart (no TLS over http://, no DNS for an IP address);
 * - `Network connection lost.` for a refused connection and for one the server closed before
 *   answering (indistinguishable), and for a reset in the middle of the body.
 * The reference id is left out: it changes every time and means nothing outside Cloudflare.
 */
export function networkError(label: string, url: string, error: unknown, phase: 'connect' | 'body'): ProviderError {
  const message = error instanceof Error ? error.message : String(error)
  return new ProviderError('network', `${label} ${describe(url, message, phase)}`, { cause: error })
}

function describe(url: string, message: string, phase: 'connect' | 'body'): string {
  const target = parse(url)
  if (!target) return `unreachable: ${message}`
  const { host, hostname, tls } = target
  if (/^Network connection lost\.?$/i.test(message.trim())) {
    return phase === 'body'
      ? `answer cut off: connection reset by ${host} in the middle of the body`
      : `unreachable: connection refused by ${host}, or closed before it answered`
  }
  if (/^internal error\b/i.test(message.trim())) {
    const literal = isIpLiteral(hostname)
    if (tls && literal) return `unreachable: TLS handshake failed with ${host}`
    if (!tls && !literal) return `unreachable: DNS lookup failed for ${hostname}`
    if (tls) return `unreachable: DNS lookup or TLS handshake failed for ${host} (the runtime does not say which)`
    return `unreachable: connection to ${host} failed (internal error in the runtime)`
  }
  return `unreachable: ${message}`
}

function parse(url: string): { host: string; hostname: string; tls: boolean } | undefined {
  try {
    const parsed = new URL(url)
    return { host: parsed.host, hostname: parsed.hostname, tls: parsed.protocol === 'https:' }
  } catch {
    return undefined
  }
}

function isIpLiteral(hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.startsWith('[')
}
