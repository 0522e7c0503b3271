import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { newSigningSecret, signatureHeader } from './sign'

describe('signatureHeader', () => {
  it('signs as standardwebhooks does, once per secret', async () => {
    const [a, b] = [newSigningSecret(), newSigningSecret()]
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(a).not.toBe(b)
    const message = { id: 'msg_1', timestampS: 1_796_000_000, body: '{"type":"webhook.test"}' }
    const header = await signatureHeader([a, b], message)
    const [first, second] = header.split(' ')
    const expected = new Webhook(a).sign(message.id, new Date(message.timestampS * 1000), message.body)
    expect(first).toBe(expected)
    expect(second).toBe(new Webhook(b).sign(message.id, new Date(message.timestampS * 1000), message.body))
  })
})
