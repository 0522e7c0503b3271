// The tests' `env` (`cloudflare:test`) is the Worker's Cloudflare.Env, generated in
// src/env.generated.d.ts (`npm run types`), plus what vitest.config.ts binds for the tests alone.
declare global {
  namespace Cloudflare {
    interface Env {
      FAKE_PROVIDERS_URL: string
      PARKED_QUEUE: Queue
      PROBE_QUEUE?: Queue
      WEBHOOK_QUEUE?: Queue
      /** A provider key named by `apiKeyEnv` in the tests. */
      OPENAI_KEY_FROM_ENV: string
    }
  }

  /**
   * What `getQueueResult` (`cloudflare:test`) resolves to. Only workers-types' experimental entry
   * declares it; without this, the tests would read an unresolved type.
   */
  interface FetcherQueueResult {
    outcome: string
    ackAll: boolean
    retryBatch: { retry: boolean; delaySeconds?: number }
    explicitAcks: string[]
    retryMessages: { msgId: string; delaySeconds?: number }[]
  }
}

export {}
