import { describe, expect, it } from 'vitest'
import { isPublicAddress, webhookTargetProblem } from './target'

const resolvingTo = (...addresses: string[]) => ({ allowHosts: [], resolve: async () => addresses })

describe('isPublicAddress', () => {
  it.each([
    '10.1.2.3',
    '172.31.0.1',
    '192.168.0.1',
    '127.0.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '192.0.2.1',
    '::1',
    '::',
    'fe80::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    '2001:db8::1',
    '64:ff9b::a00:1',
    'not an address',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false)
  })

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true)
  })
})

describe('webhookTargetProblem', () => {
  it('refuses a host with any private address among public ones', async () => {
    expect(await webhookTargetProblem('https://mixed.example/hook', resolvingTo('8.8.8.8', '10.0.0.2'))).toMatch(
      /resolves to 10\.0\.0\.2/,
    )
  })

  it('accepts a host whose every address is public', async () => {
    expect(
      await webhookTargetProblem('https://ok.example/hook', resolvingTo('8.8.8.8', '2606:4700::1111')),
    ).toBeUndefined()
  })

  it('lets an allow-listed host through over http, without a lookup', async () => {
    const policy = {
      allowHosts: ['127.0.0.1:8788', '*.internal.example'],
      resolve: async (): Promise<string[]> => {
        throw new Error('not asked')
      },
    }
    expect(await webhookTargetProblem('http://127.0.0.1:8788/hook', policy)).toBeUndefined()
    expect(await webhookTargetProblem('https://alerts.internal.example/hook', policy)).toBeUndefined()
    expect(await webhookTargetProblem('http://127.0.0.1:9999/hook', policy)).toMatch(/https/)
  })

  it.each([
    ['ftp://files.example/hook', 'https'],
    ['https://u:p@files.example/hook', 'user name or password'],
    ['https://[fd00::1]/hook', 'not an IP address'],
    ['https://8.8.8.8/hook', 'not an IP address'],
    ['https://app.localhost/hook', 'localhost'],
  ])('refuses %s before any lookup', async (url, message) => {
    expect(await webhookTargetProblem(url, resolvingTo('8.8.8.8'))).toContain(message)
  })
})
