import { hostPatternProblem } from './hosts'
import { z } from 'zod'

/**
 * Worker bindings, vars and secrets: `Cloudflare.Env` as `npm run types` generates it in
 * src/env.generated.d.ts from wrangler.toml and .dev.vars.example. Every var and secret is optional
 * here, as the code treats it: a secret may never have been put, and tests and benches bind only
 * what they set (parseSettings supplies the defaults). A credential named by `apiKeyEnv` is any
 * other secret: look it up with `envEntry`.
 */
export interface Env extends Partial<Omit<Cloudflare.Env, 'KV'>> {
  KV: KVNamespace
  /** Set in production for fleets past one invocation: the cycle fans out over this queue. */
  PROBE_QUEUE?: Queue
  /** The webhook deliveries' queue, when bound (not declared in wrangler.toml, as PROBE_QUEUE is not). */
  WEBHOOK_QUEUE?: Queue
}

/** The binding, var or secret called `name`, for names known only at run time (`apiKeyEnv`, a setting's key). */
export function envEntry(env: Env, name: string): unknown {
  return (env as unknown as Record<string, unknown>)[name]
}

/** Why a catalog URL cannot be used: not http(s), or it carries userinfo, which would be stored and shown. */
function catalogUrlProblem(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'not a URL'
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'not http(s)'
  if (parsed.username || parsed.password) return 'has userinfo'
  return undefined
}

/** Settings whose empty value means something (off), rather than "use the default". */
const emptyMeansOff: ReadonlySet<string> = new Set(['CATALOG_URL'])

/** Production Workers allow 6 simultaneous connections per invocation; probes never use more. */
export const MAX_PROBE_CONCURRENCY = 6

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : ['true', '1', 'yes'].includes(v)))

/** A comma-separated list, each item trimmed, empty items dropped; unset is the empty list. */
const commaList = () =>
  z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    )

const positiveInt = (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().positive().max(max).optional().default(fallback)

const settingsSchema = z.object({
  PUBLIC_READ: flag(false),
  PROBE_CONCURRENCY: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .default(5)
    .transform((n) => Math.min(n, MAX_PROBE_CONCURRENCY)),
  PROBE_TIMEOUT_MS: positiveInt(10_000),
  PROVIDER_CACHE_TTL_S: positiveInt(3600).pipe(z.number().min(60, 'KV expirations start at 60 s')),
  SNAPSHOT_HEARTBEAT_S: positiveInt(900),
  /**
   * How long an isolate answers reads from the snapshot meta it last read, before asking KV again;
   * 0 asks on every read. A publish in the same isolate is seen at once.
   */
  SNAPSHOT_META_MAX_AGE_MS: z.coerce.number().int().min(0).max(60_000).optional().default(2000),
  /** A cycle's lease; renewed while the cycle runs, so a crashed cycle blocks the next for at most this long. */
  LEASE_TTL_S: positiveInt(60).pipe(z.number().min(10, 'LEASE_TTL_S must be at least 10 s')),
  /** Consecutive failed probes that take a backend to `down`; before that it is `suspect`. */
  FAIL_THRESHOLD: positiveInt(3, 100),
  /** Consecutive good probes that take a `down` backend back; before that it is `recovering`. */
  RECOVER_THRESHOLD: positiveInt(2, 100),
  /** Days the change feed keeps events; an older cursor answers 410. */
  EVENT_RETENTION_DAYS: positiveInt(30, 3650),
  /** The most bytes read from one provider response; past it the backend fails with bad_payload. */
  MAX_RESPONSE_BYTES: positiveInt(8 * 1024 * 1024),
  /** The most models kept per backend; past it, a warning and the first N by model id. */
  MAX_MODELS_PER_BACKEND: positiveInt(5_000),
  /** Postgres statement_timeout for every query this Worker runs. */
  STATEMENT_TIMEOUT_MS: positiveInt(15_000),
  /** Past this, no new probe starts and the cycle publishes what it has (a cron may run 15 minutes). */
  CYCLE_BUDGET_MS: positiveInt(600_000, 14 * 60_000),
  /** Subrequests one invocation plans within (the paid plan's default limit is 10 000). */
  SUBREQUEST_BUDGET: positiveInt(1_000, 10_000),
  /** KV operations one invocation plans within (the platform's limit is 1 000). */
  KV_OPS_BUDGET: positiveInt(1_000, 1_000),
  /** Backends per queue message when the cycle fans out. */
  SHARD_SIZE: positiveInt(50, 1_000),
  /** The models.dev catalog (or a mirror of its api.json); empty turns the catalog off. */
  CATALOG_URL: z
    .string()
    .optional()
    .default('https://models.dev/api.json')
    .refine(
      (url) => url === '' || catalogUrlProblem(url) === undefined,
      'CATALOG_URL must be an http(s) URL without user:password@, or empty to turn the catalog off',
    ),
  /** Seconds between catalog refreshes (an hour at most after a failed one). */
  CATALOG_REFRESH_S: positiveInt(86_400).pipe(z.number().min(60, 'CATALOG_REFRESH_S must be at least 60 s')),
  /** How long a webhook receiver has to answer one attempt. */
  WEBHOOK_TIMEOUT_MS: positiveInt(15_000, 60_000),
  /**
   * Host patterns (as credential `hosts`) a webhook may be sent to whatever their address, over
   * http too: an internal receiver, or 127.0.0.1:PORT for local work. None by default.
   */
  WEBHOOK_ALLOW_HOSTS: commaList().superRefine((patterns, ctx) => {
    for (const pattern of patterns) {
      const problem = hostPatternProblem(pattern)
      if (problem) ctx.addIssue({ code: 'custom', message: `WEBHOOK_ALLOW_HOSTS: "${pattern}" ${problem}` })
    }
  }),
  /** The DNS-over-HTTPS resolver (JSON) that tells whether a webhook's host is a public address. */
  WEBHOOK_DNS_URL: z
    .string()
    .optional()
    .default('https://cloudflare-dns.com/dns-query')
    .refine(
      (url) => catalogUrlProblem(url) === undefined,
      'WEBHOOK_DNS_URL must be an http(s) URL without user:password@',
    ),
  AUTO_DISCOVER: flag(true),
  GROUPS: flag(false),
  /** Browser origins allowed to call the API; none by default. `*` allows any. */
  CORS_ORIGINS: commaList(),
})

/** The names of every tunable setting (the `[vars]` of wrangler.toml). */
export const SETTING_NAMES: readonly string[] = Object.keys(settingsSchema.shape)

/**
 * The service's own settings and secrets: never a provider credential. `apiKeyEnv` may not name
 * them, or an admin could have DATABASE_URL or SECRETS_KEY sent to a backend of their choosing.
 */
export const RESERVED_ENV_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(settingsSchema.shape),
  'KV',
  'DATABASE_URL',
  'NEON_WS_PROXY',
  'ADMIN_TOKEN',
  'READ_TOKEN',
  'SECRETS_KEY',
  'TENANT_ID',
  'PROBE_QUEUE',
  'WEBHOOK_QUEUE',
])

export type Settings = z.infer<typeof settingsSchema>

export class SettingsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SettingsError'
  }
}

/** Every knob with its default, parsed once per invocation; a bad value names the setting. */
export function parseSettings(env: Env): Settings {
  const raw = Object.fromEntries(
    Object.keys(settingsSchema.shape).map((key) => [
      key,
      emptyMeansOff.has(key) ? envEntry(env, key) : emptyToUndefined(envEntry(env, key)),
    ]),
  )
  const parsed = settingsSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new SettingsError(`invalid setting ${String(issue?.path[0])}: ${issue?.message}`)
  }
  return parsed.data
}

function emptyToUndefined(value: unknown): unknown {
  return value === '' || value === null ? undefined : value
}
