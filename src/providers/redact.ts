/** What a credential fragment is replaced with. */
export const REDACTED = '[redacted]'
/** A run of this many characters of a secret counts as a fragment of it. */
const MIN_RUN = 6
/** Fields of a JSON credential (Bedrock keys, a service-account file) whose values are secret. */
const SECRET_FIELDS = [
  'access_key_id',
  'secret_access_key',
  'session_token',
  'private_key',
  'private_key_id',
  'client_secret',
  'refresh_token',
  'api_key',
  'apiKey',
]
/** Where a provider masks a key: `sk-abc...WXYZ`, `…WXYZ`, `sk-proj-****QRST`. */
const MASK = /\.{3}|…|\*{2,}/g
const TOKEN_CHAR = /[A-Za-z0-9_-]/

/**
 * Removes every fragment of a credential from text that may reach the snapshot, KV or a log:
 * any run of 6 or more of its characters, its prefix before masking stars or an ellipsis
 * (`sk-proj-****QRST`, `sk-…`), and its last 4 after them (`…WXYZ`). A JSON credential's secret
 * values (Bedrock's keys, a service account's private key) are each treated as one.
 */
export function redactCredential(text: string, credential: string | undefined): string {
  return credentialRedactor(credential)(text)
}

/**
 * The same, prepared once for many texts: the secret's 6-character runs are indexed in a Set.
 * `keep`: public words of our own messages (the provider's name, say) that stay when a fragment
 * lies wholly inside one, so a key that happens to contain "mistral" does not blank out
 * "mistral catalog"; the key's own text around such a word is still removed.
 */
export function credentialRedactor(
  credential: string | undefined,
  keep: readonly string[] = [],
): (text: string) => string {
  const secrets = credential ? secretsOf(credential) : []
  if (secrets.length === 0) return (text) => text
  const index = secretIndex(secrets, MIN_RUN)
  return (text) => {
    if (!text) return text
    const marked = new Uint8Array(text.length)
    const mark = (from: number, to: number) => marked.fill(1, Math.max(0, from), Math.min(text.length, to))
    forEachQuote(text, index, mark)
    for (const secret of secrets) markMasked(text, secret, mark)
    unmarkKept(text, marked, keep)
    return rebuild(text, marked)
  }
}

/**
 * Whether a text quotes a credential: a run of `minRun` of a secret's characters (the whole
 * secret when it is shorter), or its masked forms (`sk-abc...WXYZ`, `sk-proj-****QRST`). For names (model ids) rather than prose: a longer run than the
 * redactor's, so a test key that happens to contain "mistral-" does not hide "mistral-large".
 */
export function credentialQuoter(credential: string | undefined, minRun: number): (text: string) => boolean {
  const secrets = credential ? secretsOf(credential) : []
  if (secrets.length === 0) return () => false
  const index = secretIndex(secrets, minRun)
  return (text) => {
    let quoted = false
    const mark = () => {
      quoted = true
    }
    forEachQuote(text, index, mark)
    for (const secret of secrets) markMasked(text, secret, mark)
    return quoted
  }
}

/**
 * A secret's runs of `minRun` characters, in lower case: a host name or a header a provider
 * lower-cased still quotes the key. Secrets shorter than a run are matched whole.
 */
interface SecretIndex {
  minRun: number
  runs: Set<string>
  short: string[]
}

function secretIndex(secrets: string[], minRun: number): SecretIndex {
  const runs = new Set<string>()
  const short: string[] = []
  for (const secret of secrets.map((s) => s.toLowerCase())) {
    if (secret.length < minRun) short.push(secret)
    for (let i = 0; i + minRun <= secret.length; i++) runs.add(secret.slice(i, i + minRun))
  }
  return { minRun, runs, short }
}

/** Calls `mark` for every stretch of `text` that quotes a secret (case-insensitively). */
function forEachQuote(text: string, index: SecretIndex, mark: (from: number, to: number) => void): void {
  // A few characters change length in lower case (İ): then offsets would drift, so match as sent.
  const folded = text.toLowerCase()
  const lower = folded.length === text.length ? folded : text
  for (let i = 0; i + index.minRun <= lower.length; i++) {
    if (index.runs.has(lower.slice(i, i + index.minRun))) mark(i, i + index.minRun)
  }
  for (const secret of index.short) {
    for (let at = lower.indexOf(secret); at >= 0; at = lower.indexOf(secret, at + 1)) mark(at, at + secret.length)
  }
}

/** `<prefix><mask><last 4>`: the prefix when the secret starts with it, the last 4 when they are the secret's. */
function markMasked(text: string, secret: string, mark: (from: number, to: number) => void): void {
  const last4 = secret.length >= 8 ? secret.slice(-4) : undefined
  for (const match of text.matchAll(MASK)) {
    const start = match.index
    const end = start + match[0].length
    let tokenStart = start
    while (tokenStart > 0 && TOKEN_CHAR.test(text[tokenStart - 1]!)) tokenStart--
    const prefix = text.slice(tokenStart, start)
    const tail = last4 !== undefined && text.startsWith(last4, end)
    const ownPrefix = prefix.length > 0 && secret.startsWith(prefix)
    if (tail) mark(ownPrefix ? tokenStart : start, end + 4)
    else if (ownPrefix && prefix.length >= 3) {
      let tokenEnd = end
      while (tokenEnd < text.length && tokenEnd - end < 8 && TOKEN_CHAR.test(text[tokenEnd]!)) tokenEnd++
      mark(tokenStart, tokenEnd)
    }
  }
}

/** Unmarks each marked stretch that lies wholly inside an occurrence of a kept word (any case). */
function unmarkKept(text: string, marked: Uint8Array, keep: readonly string[]): void {
  if (keep.length === 0 || !marked.includes(1)) return
  const lower = text.toLowerCase()
  for (const word of keep) {
    const needle = word.toLowerCase()
    if (!needle) continue
    for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, at + 1)) {
      const end = at + needle.length
      let i = at
      while (i < end) {
        if (!marked[i]) {
          i++
          continue
        }
        let stretchEnd = i
        while (stretchEnd < text.length && marked[stretchEnd]) stretchEnd++
        const inside = stretchEnd <= end && (i > at || at === 0 || !marked[at - 1])
        if (inside) marked.fill(0, i, stretchEnd)
        i = stretchEnd
      }
    }
  }
}

/** The text with each marked stretch replaced by one `[redacted]`. */
function rebuild(text: string, marked: Uint8Array): string {
  if (!marked.includes(1)) return text
  let out = ''
  let i = 0
  while (i < text.length) {
    if (marked[i]) {
      while (i < text.length && marked[i]) i++
      out += REDACTED
    } else {
      const from = i
      while (i < text.length && !marked[i]) i++
      out += text.slice(from, i)
    }
  }
  return out
}

/** The secret strings in a credential: the whole key, or the secret values of a JSON credential. */
export function secretsOf(credential: string): string[] {
  const trimmed = credential.trim()
  if (trimmed.startsWith('{')) {
    let json: unknown
    try {
      json = JSON.parse(trimmed)
    } catch {
      json = undefined
    }
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
      const record = json as Record<string, unknown>
      return SECRET_FIELDS.flatMap((field) => {
        const value = record[field]
        return typeof value === 'string' && value.trim().length >= 4 ? [pemBody(value.trim())] : []
      })
    }
  }
  return trimmed.length >= 4 ? [trimmed] : []
}

/** A PEM key's base64 body on one line; its BEGIN/END armor lines are not secret. */
function pemBody(value: string): string {
  if (!value.includes('-----BEGIN')) return value
  return value
    .replace(/-----(BEGIN|END)[^-]*-----/g, '')
    .replace(/\\n/g, '')
    .replace(/\s+/g, '')
}
