import type { Env as WorkerEnv } from '../src/env'

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('../src/index')
    }
    interface Env extends WorkerEnv {
      FAKE_PROVIDERS_URL: string
      PARKED_QUEUE: Queue
    }
  }
}
