import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig, defineProject } from 'vitest/config'
import { TEST_SETTINGS } from './test/settings.ts'

// wrangler reads `.dev.vars` (or `.env`) from the folder of the config it is given. The tests get
// a copy of wrangler.toml in a folder of their own, so a developer's local settings never reach them.
const testConfigDir = path.resolve('node_modules/.cache/runtimestate-test')
mkdirSync(testConfigDir, { recursive: true })
writeFileSync(
  path.join(testConfigDir, 'wrangler.toml'),
  readFileSync('wrangler.toml', 'utf8')
    .replace(/^main = .*$/m, `main = ${JSON.stringify(path.resolve('src/index.ts'))}`)
    .replace(/^directory = .*$/m, `directory = ${JSON.stringify(path.resolve('public'))}`),
)
process.env.CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV = 'false'

/**
 * Integration: the Worker in workerd (Miniflare), with its bindings, the database and the fake
 * providers of test/global-setup.ts.
 */
const integration = defineProject({
  plugins: [
    cloudflareTest(({ inject }) => ({
      main: './src/index.ts',
      wrangler: { configPath: path.join(testConfigDir, 'wrangler.toml') },
      miniflare: {
        // Every setting explicitly, plus the database and fake providers started by test/global-setup.ts.
        bindings: {
          ...TEST_SETTINGS,
          DATABASE_URL: inject('databaseUrl'),
          NEON_WS_PROXY: inject('wsProxy'),
          FAKE_PROVIDERS_URL: inject('fakeProvidersUrl'),
          // The fake DNS-over-HTTPS resolver: no test asks a real one.
          WEBHOOK_DNS_URL: `${inject('fakeProvidersUrl')}/dns/ok/resolver/dns-query`,
        },
        // Miniflare's real queues for the fanned-out cycle. Test helpers leave PROBE_QUEUE out unless
        // a test fans out; PARKED_QUEUE has no consumer, so what a test plans onto it waits there
        // while the test delivers it by hand.
        queueProducers: {
          PROBE_QUEUE: 'runtimestate-probes',
          PARKED_QUEUE: 'runtimestate-parked',
          WEBHOOK_QUEUE: 'runtimestate-webhooks',
        },
        queueConsumers: {
          'runtimestate-probes': {
            maxBatchSize: 1,
            maxBatchTimeout: 0,
            maxRetries: 1,
            deadLetterQueue: 'runtimestate-probes-dlq',
          },
          'runtimestate-probes-dlq': { maxBatchSize: 1, maxBatchTimeout: 0, maxRetries: 0 },
          'runtimestate-webhooks': { maxBatchSize: 10, maxBatchTimeout: 0, maxRetries: 3 },
        },
      },
    })),
  ],
  test: {
    name: 'workerd',
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    // One database and one set of fake providers serve every file: run files one at a time.
    fileParallelism: false,
  },
})

/**
 * Pure tests beside the code in src/: no binding, no database, no fake provider. They run in plain
 * Node worker threads, many files at once, before the integration tests start. A test that needs
 * the Workers runtime or a binding belongs in test/.
 */
const unit = defineProject({
  test: {
    name: 'node',
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'node',
    pool: 'threads',
    // Nothing else runs while they do: every core.
    maxWorkers: availableParallelism(),
    // The property tests are CPU-bound: a hundred random fleets take seconds on a busy core.
    testTimeout: 20_000,
  },
})

// `npm test` runs both projects; a `--project node` or `--project workerd` runs one.
export default defineConfig({ test: { projects: [unit, integration] } })
