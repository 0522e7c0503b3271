import { describe, expect, it } from 'vitest'
import { type Env, RESERVED_ENV_NAMES, parseSettings } from './env'

const env = (vars: Record<string, string>) => ({ KV: {} as KVNamespace, ...vars }) as Env

describe('parseSettings', () => {
  it('fills every default', () => {
    expect(parseSettings(env({}))).toEqual({
      PUBLIC_READ: false,
      PROBE_CONCURRENCY: 5,
      PROBE_TIMEOUT_MS: 10_000,
      PROVIDER_CACHE_TTL_S: 3600,
      SNAPSHOT_HEARTBEAT_S: 900,
      SNAPSHOT_META_MAX_AGE_MS: 2000,
      FAIL_THRESHOLD: 3,
      RECOVER_THRESHOLD: 2,
      EVENT_RETENTION_DAYS: 30,
      LEASE_TTL_S: 60,
      MAX_RESPONSE_BYTES: 8 * 1024 * 1024,
      MAX_MODELS_PER_BACKEND: 5_000,
      STATEMENT_TIMEOUT_MS: 15_000,
      CYCLE_BUDGET_MS: 600_000,
      SUBREQUEST_BUDGET: 1_000,
      KV_OPS_BUDGET: 1_000,
      SHARD_SIZE: 50,
      CATALOG_URL: 'https://models.dev/api.json',
      CATALOG_REFRESH_S: 86_400,
      WEBHOOK_TIMEOUT_MS: 15_000,
      WEBHOOK_ALLOW_HOSTS: [],
      WEBHOOK_DNS_URL: 'https://cloudflare-dns.com/dns-query',
      AUTO_DISCOVER: true,
      GROUPS: false,
      CORS_ORIGINS: [],
    })
  })

  it('turns the catalog off with an empty CATALOG_URL, and refuses one that is not http(s)', () => {
    expect(parseSettings(env({ CATALOG_URL: '' })).CATALOG_URL).toBe('')
    expect(parseSettings(env({ CATALOG_URL: 'https://mirror.internal/api.json' })).CATALOG_URL).toBe(
      'https://mirror.internal/api.json',
    )
    expect(() => parseSettings(env({ CATALOG_URL: 'models.dev' }))).toThrow(/invalid setting CATALOG_URL/)
    expect(() => parseSettings(env({ CATALOG_REFRESH_S: '10' }))).toThrow(/invalid setting CATALOG_REFRESH_S/)
    expect(() => parseSettings(env({ WEBHOOK_ALLOW_HOSTS: '127.0.0.1, *.com' }))).toThrow(
      /invalid setting WEBHOOK_ALLOW_HOSTS: WEBHOOK_ALLOW_HOSTS: "\*\.com" may only wildcard/,
    )
  })

  it('refuses a KV budget past the platform limit, and a cycle budget past the 15-minute wall time', () => {
    expect(() => parseSettings(env({ KV_OPS_BUDGET: '1001' }))).toThrow(/invalid setting KV_OPS_BUDGET/)
    expect(() => parseSettings(env({ CYCLE_BUDGET_MS: String(15 * 60_000) }))).toThrow(
      /invalid setting CYCLE_BUDGET_MS/,
    )
  })

  it('never lets probing use more than the 6 connections Workers allow', () => {
    expect(parseSettings(env({ PROBE_CONCURRENCY: '20' })).PROBE_CONCURRENCY).toBe(6)
    expect(parseSettings(env({ PROBE_CONCURRENCY: '1' })).PROBE_CONCURRENCY).toBe(1)
  })

  it('reads flags and treats empty values as unset', () => {
    const settings = parseSettings(env({ AUTO_DISCOVER: 'false', PUBLIC_READ: 'true', PROBE_TIMEOUT_MS: '' }))
    expect(settings).toMatchObject({ AUTO_DISCOVER: false, PUBLIC_READ: true, PROBE_TIMEOUT_MS: 10_000 })
  })

  it('splits CORS origins', () => {
    expect(parseSettings(env({ CORS_ORIGINS: ' https://a.example , https://b.example,' })).CORS_ORIGINS).toEqual([
      'https://a.example',
      'https://b.example',
    ])
  })

  it('names the setting that is wrong', () => {
    expect(() => parseSettings(env({ PROBE_TIMEOUT_MS: 'soon' }))).toThrow(/invalid setting PROBE_TIMEOUT_MS/)
    expect(() => parseSettings(env({ PROVIDER_CACHE_TTL_S: '5' }))).toThrow(/PROVIDER_CACHE_TTL_S: KV expirations/)
    expect(() => parseSettings(env({ GROUPS: 'maybe' }))).toThrow(/invalid setting GROUPS/)
  })
})

describe('RESERVED_ENV_NAMES', () => {
  it("holds every setting and the service's secrets", () => {
    for (const name of ['DATABASE_URL', 'SECRETS_KEY', 'ADMIN_TOKEN', 'READ_TOKEN', 'PROBE_TIMEOUT_MS', 'GROUPS']) {
      expect(RESERVED_ENV_NAMES.has(name)).toBe(true)
    }
    expect(RESERVED_ENV_NAMES.has('OPENAI_API_KEY')).toBe(false)
  })
})
