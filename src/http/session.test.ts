import { describe, expect, it } from 'vitest'
import { SESSION_TTL_S, sessionValue, validSession } from './session'

const now = new Date('2026-12-02T12:00:00Z')
const keys = { secretsKey: 'k'.repeat(64), tokens: ['read-token-aaaaaaaa', 'admin-token-bbbbbbbb'] }
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000)

describe('session cookie', () => {
  it('holds an expiry and a MAC, nothing of the token', async () => {
    const value = await sessionValue('read-token-aaaaaaaa', keys.secretsKey, now)
    expect(value).toMatch(/^\d{10}\.[\w-]{43}$/)
    expect(value).not.toContain('read-token')
    expect(value.startsWith(String(now.getTime() / 1000 + SESSION_TTL_S))).toBe(true)
  })

  it('is valid for either token until it expires', async () => {
    for (const token of keys.tokens) {
      const value = await sessionValue(token, keys.secretsKey, now)
      expect(await validSession(value, keys, later(60))).toBe(true)
      expect(await validSession(value, keys, later(SESSION_TTL_S))).toBe(false)
    }
  })

  it('ends when the token is rotated or the server key changes', async () => {
    const value = await sessionValue('read-token-aaaaaaaa', keys.secretsKey, now)
    expect(await validSession(value, { ...keys, tokens: ['read-token-rotated', 'admin-token-bbbbbbbb'] }, now)).toBe(
      false,
    )
    expect(await validSession(value, { ...keys, secretsKey: 'other' }, now)).toBe(false)
  })

  it('refuses a forged expiry, a tampered MAC and anything malformed', async () => {
    const value = await sessionValue('read-token-aaaaaaaa', keys.secretsKey, now)
    const [expires, mac] = value.split('.') as [string, string]
    expect(await validSession(`${Number(expires) + 3600}.${mac}`, keys, now)).toBe(false)
    const flipped = mac.slice(0, -1) + (mac.endsWith('A') ? 'B' : 'A')
    expect(await validSession(`${expires}.${flipped}`, keys, now)).toBe(false)
    for (const bad of [undefined, '', 'read-token-aaaaaaaa', `${expires}.`, `${expires}.${mac}.x`]) {
      expect(await validSession(bad, keys, now)).toBe(false)
    }
  })

  it('keys sessions by the token hash when there is no server key', async () => {
    const value = await sessionValue('read-token-aaaaaaaa', undefined, now)
    expect(await validSession(value, { tokens: keys.tokens }, now)).toBe(true)
    expect(await validSession(value, keys, now)).toBe(false)
  })
})
