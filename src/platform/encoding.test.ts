import { describe, expect, it } from 'vitest'
import { base64, base64url, fromBase64, fromBase64url, hex } from './encoding'
import { fnv1a } from './fnv'

describe('encodings', () => {
  const bytes = Uint8Array.from([0, 1, 62, 63, 127, 128, 250, 251, 254, 255])

  it('round-trips bytes through base64 and base64url', () => {
    expect(base64(bytes)).toBe('AAE+P3+A+vv+/w==')
    expect(base64url(bytes)).toBe('AAE-P3-A-vv-_w')
    expect(fromBase64(base64(bytes))).toEqual(bytes)
    expect(fromBase64url(base64url(bytes))).toEqual(bytes)
  })

  it('reads text as its UTF-8, and takes an ArrayBuffer', () => {
    expect(base64url('é?')).toBe(base64url(new TextEncoder().encode('é?')))
    expect(hex(bytes.buffer)).toBe('00013e3f7f80fafbfeff')
  })

  it('throws on what is not base64', () => {
    expect(() => fromBase64url('not base64!')).toThrow()
  })
})

describe('fnv1a', () => {
  it('gives the published 32-bit FNV-1a values, unsigned', () => {
    expect(fnv1a('')).toBe(0x811c9dc5)
    expect(fnv1a('a')).toBe(0xe40c292c)
    expect(fnv1a('foobar')).toBe(0xbf9cf968)
  })
})
