import { describe, expect, it } from 'vitest'
import { derivedKeyBytes } from '../secrets'
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

  it('signs with the session key derived from SECRETS_KEY, not the fingerprint or credentials key', async () => {
    const value = await sessionValue('read-token-aaaaaaaa', keys.secretsKey, now)
    const [expires, presented] = value.split('.') as [string, string]
    const tokenHash = Array.from(
      new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('read-token-aaaaaaaa'))),
      (b) => b.toString(16).padStart(2, '0'),
    ).join('')
    const message = new TextEncoder().encode(`runtimestate-session|${expires}|${tokenHash}`)
    const macUnder = async (raw: ArrayBuffer) => {
      const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, message))
      return btoa(String.fromCharCode(...mac))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '')
    }
    expect(presented).toBe(await macUnder(await derivedKeyBytes(keys.secretsKey, 'session')))
    for (const other of ['fingerprint', 'credentials'] as const) {
      expect(presented).not.toBe(await macUnder(await derivedKeyBytes(keys.secretsKey, other)))
    }
  })

  it('keeps a session made before the keys were derived in one place valid', async () => {
    // Made by the earlier code for read-token-aaaaaaaa at `now`, with the server key and without one.
    expect(await validSession('1796256000.gn7bewCiaC0o-hDzlt4IHAHpXGlLmlZoEJ89FWuuAG4', keys, later(60))).toBe(true)
    expect(
      await validSession('1796256000.C9tovIw_6cdVG9to0F9Zq20sVnr6fqTMFk3T-FIZcsg', { tokens: keys.tokens }, later(60)),
    ).toBe(true)
  })
})
