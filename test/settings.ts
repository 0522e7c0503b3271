/**
 * Every setting and secret the Worker under test sees, given explicitly so that a developer's
 * `.dev.vars` (or `.env`) can never change a test outcome. vitest.config.ts passes these as the
 * bindings; test/settings.test.ts checks the Worker got exactly these and nothing else.
 */
export const TEST_SETTINGS = {
  PUBLIC_READ: 'false',
  PROBE_CONCURRENCY: '5',
  PROBE_TIMEOUT_MS: '1500',
  PROVIDER_CACHE_TTL_S: '3600',
  SNAPSHOT_HEARTBEAT_S: '900',
  SNAPSHOT_META_MAX_AGE_MS: '0',
  // One failure takes a backend down and one good probe brings it back, as before thresholds
  // existed; the tests of the health state machine set the defaults (3 and 2) themselves.
  FAIL_THRESHOLD: '1',
  RECOVER_THRESHOLD: '1',
  EVENT_RETENTION_DAYS: '30',
  LEASE_TTL_S: '60',
  MAX_RESPONSE_BYTES: '8388608',
  MAX_MODELS_PER_BACKEND: '5000',
  STATEMENT_TIMEOUT_MS: '15000',
  AUTO_DISCOVER: 'true',
  GROUPS: 'false',
  CORS_ORIGINS: '',
  TENANT_ID: '00000000-0000-0000-0000-000000000001',
  CYCLE_BUDGET_MS: '600000',
  SUBREQUEST_BUDGET: '1000',
  KV_OPS_BUDGET: '1000',
  SHARD_SIZE: '50',
  // Off unless a test turns it on with the fake catalog: no test reaches models.dev.
  CATALOG_URL: '',
  CATALOG_REFRESH_S: '86400',
  WEBHOOK_TIMEOUT_MS: '1500',
  // The fake receivers listen on 127.0.0.1 over http; every other host goes through the checks.
  WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  ADMIN_TOKEN: 'test-admin-token',
  READ_TOKEN: 'test-read-token',
  SECRETS_KEY: 'test-secrets-key-not-for-production',
  OPENAI_KEY_FROM_ENV: 'sk-test-from-env-0000',
} as const satisfies Record<string, string>

/** Bindings the test run adds at start-up (they name servers started by test/global-setup.ts). */
export const STARTED_BINDINGS = ['DATABASE_URL', 'NEON_WS_PROXY', 'FAKE_PROVIDERS_URL', 'WEBHOOK_DNS_URL'] as const
