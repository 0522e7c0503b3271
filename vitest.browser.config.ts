import { defineConfig } from 'vitest/config'

// `npm run test:browser`: the status pages and /docs in Debian's Chromium, against `npm run dev`.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    globalSetup: ['./test/browser/global-setup.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
