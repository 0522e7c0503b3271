/** The bench's settings (environment knobs, see main.ts) and constants. */
import { randomBytes } from 'node:crypto'
import path from 'node:path'

export function badSetting(message: string): never {
  console.error(`bench-read: ${message}`)
  process.exit(2)
}

export function envList(name: string, fallback: string): number[] {
  const raw = process.env[name] || fallback
  const values = raw.split(',').map((s) => Number(s.trim()))
  if (values.some((v) => !Number.isInteger(v) || v <= 0)) {
    badSetting(`${name}="${raw}": expected comma-separated positive integers`)
  }
  return values
}

export function envNumber(name: string, fallback: number, { min = 0 } = {}): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < min) badSetting(`${name}="${raw}": expected a number ≥ ${min}`)
  return value
}

/** Backends serving long-context models: the same ones (the first declared) at every N. */
export const LONG_BACKENDS = 4
/** Their models' context length (the fake's `:ctx=`); the /providers filter asks for at least half. */
export const LONG_CONTEXT = 131_072
export const PROVIDERS_QUERY = '/providers?capability=chat&minContext=65536'
/** The same with conditions on the published facts, which no model of the bench's fleet knows. */
export const PROVIDERS_FACTS_QUERY = `${PROVIDERS_QUERY}&tools=true&maxInputPrice=5`
export const MODELS_QUERY = '/models?minContext=65536'
export const STATE_PAGE = '/state?limit=100'
/** Seconds of unrecorded load per route before the measured runs. */
export const WARM_UP_S = 1
/** What a browser sends: the pages are read by browsers. */
export const BROWSER_ENCODINGS = { 'Accept-Encoding': 'gzip, deflate, br' }

/** /healthz measured again after the other routes; the ratios' floor is the mean of both runs. */
export const HEALTHZ_AGAIN = '/healthz (again)'
export const WARM_UP_MAX_BYTES = 1 << 20
export const STATE_PAGE_LIMIT = 100

export const NS =
  process.env.BENCH_READ_NS?.trim() === 'none'
    ? []
    : [...new Set(envList('BENCH_READ_NS', '100,2000'))].sort((a, b) => a - b)
if (NS.some((n) => n <= LONG_BACKENDS)) {
  badSetting(
    `BENCH_READ_NS="${process.env.BENCH_READ_NS}": every N must be over ${LONG_BACKENDS} (the long-context backends)`,
  )
}
// At least 2: the one-backend change serves one model fewer.
export const MODELS = envNumber('BENCH_READ_MODELS', 50, { min: 2 })
export const PUBLISH_N = envNumber('BENCH_READ_PUBLISH_N', NS.includes(100) ? 100 : 0)
if (PUBLISH_N !== 0 && (!Number.isInteger(PUBLISH_N) || PUBLISH_N <= LONG_BACKENDS)) {
  badSetting(`BENCH_READ_PUBLISH_N="${PUBLISH_N}": expected 0 (skip) or an integer over ${LONG_BACKENDS}`)
}
export const PUBLISH_DELAY_MS = envNumber('BENCH_READ_PUBLISH_DELAY_MS', 200)
export const PUBLISH_CYCLES = envNumber('BENCH_READ_PUBLISH_CYCLES', 3, { min: 1 })
/** The acceptance bar: publishing the views adds at most this share to a cycle's wall time. */
export const PUBLISH_SHARE_BAR = 0.2
export const CONNECTIONS = envList('BENCH_READ_CONNECTIONS', '20,200')
export const DURATION_S = envNumber('BENCH_READ_DURATION_S', 4, { min: 1 })
export const TIMEOUT_S = envNumber('BENCH_READ_TIMEOUT_S', 10, { min: 1 })
export const RECOVER_S = envNumber('BENCH_READ_RECOVER_S', 10, { min: 1 })
export const SETTLE_S = envNumber('BENCH_READ_SETTLE_S', 5, { min: 1 })
export const PAUSE_MS = envNumber('BENCH_READ_PAUSE_MS', 250)
export const CYCLE_TIMEOUT_S = envNumber('BENCH_READ_CYCLE_TIMEOUT_S', 300, { min: 1 })
export const MAX_RSS_MIB = envNumber('BENCH_READ_MAX_RSS_MIB', 6144, { min: 256 })
export const DEADLINE_S = envNumber('BENCH_READ_DEADLINE_S', 900, { min: 10 })
export const PORT = envNumber('BENCH_READ_PORT', 0)
export const WORKER_ROOT = process.env.BENCH_READ_WORKER_ROOT
  ? path.resolve(process.env.BENCH_READ_WORKER_ROOT)
  : undefined
export const ROUTE_FILTER = (process.env.BENCH_READ_ROUTES ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
/** The Worker's READ_TOKEN; every load request (/healthz included, which ignores it) carries it. */
export const READ_TOKEN = `bench-read-${randomBytes(12).toString('hex')}`
/** Backend creation requests in flight at once, as in scripts/bench.ts. */
export const CREATE_PARALLELISM = 8
export const HOST = '127.0.0.1'
/** workerd counts as idle below this share of one core. */
export const IDLE_CPU_SHARE = 0.1
export const CLOCK_TICKS_PER_S = 100
