import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      main: './src/index.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        // Override [vars]: the database and fake providers started by test/global-setup.ts.
        bindings: {
          DATABASE_URL: inject('databaseUrl'),
          NEON_WS_PROXY: inject('wsProxy'),
          FAKE_PROVIDERS_URL: inject('fakeProvidersUrl'),
          ADMIN_TOKEN: 'test-admin-token',
          READ_TOKEN: 'test-read-token',
          SECRETS_KEY: 'test-secrets-key-not-for-production',
          PROBE_TIMEOUT_MS: '1500',
          OPENAI_KEY_FROM_ENV: 'sk-test-from-env-0000',
        },
      },
    })),
  ],
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    // One database and one set of fake providers serve every file: run files one at a time.
    fileParallelism: false,
  },
})
