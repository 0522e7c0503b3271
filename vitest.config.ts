import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'
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

export default defineConfig({
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
        },
        // Miniflare's real queues for the fanned-out cycle. Test helpers leave PROBE_QUEUE out unless
        // a test fans out; PARKED_QUEUE has no consumer, so what a test plans onto it waits there
        // while the test delivers it by hand.
        queueProducers: {
          PROBE_QUEUE: 'runtimestate-probes',
          PARKED_QUEUE: 'runtimestate-parked',
        },
        queueConsumers: {
          'runtimestate-probes': {
            maxBatchSize: 1,
            maxBatchTimeout: 0,
            maxRetries: 1,
            deadLetterQueue: 'runtimestate-probes-dlq',
          },
          'runtimestate-probes-dlq': { maxBatchSize: 1, maxBatchTimeout: 0, maxRetries: 0 },
        },
      },
    })),
  ],
  test: {
    include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    // One database and one set of fake providers serve every file: run files one at a time.
    fileParallelism: false,
  },
})
