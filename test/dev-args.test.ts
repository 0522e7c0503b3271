import { describe, expect, it } from 'vitest'
import { parseDevArgs } from '../scripts/local/dev-args'

describe('the arguments of npm run dev', () => {
  it('takes --port for its own port instead of passing it on to wrangler, which already gets one', () => {
    for (const args of [['--port', '8788'], ['--port=8788']]) {
      expect(parseDevArgs([...args, '--persist-to', '/tmp/x'], {})).toEqual({
        port: 8788,
        pgliteDir: '.pglite',
        wranglerArgs: ['--persist-to', '/tmp/x'],
      })
    }
  })

  it('takes the port from PORT, else 8787; --port wins over PORT', () => {
    expect(parseDevArgs([], {})).toMatchObject({ port: 8787, wranglerArgs: [] })
    expect(parseDevArgs([], { PORT: '9000' })).toMatchObject({ port: 9000 })
    expect(parseDevArgs([], { PORT: ' ' })).toMatchObject({ port: 8787 })
    expect(parseDevArgs(['--port', '8788'], { PORT: '9000' })).toMatchObject({ port: 8788 })
  })

  it('keeps --pglite-dir for itself and passes every other argument on, in order', () => {
    const args = ['--var', 'KEY:value', '--pglite-dir', '/tmp/pg', '--env-file', '.env.local']
    expect(parseDevArgs(args, {})).toEqual({
      port: 8787,
      pgliteDir: '/tmp/pg',
      wranglerArgs: ['--var', 'KEY:value', '--env-file', '.env.local'],
    })
    expect(parseDevArgs(['--pglite-dir=/tmp/pg'], {})).toMatchObject({ pgliteDir: '/tmp/pg' })
  })

  it('refuses what it cannot use, saying how to give a port', () => {
    const refusals: [string[], Record<string, string>, RegExp][] = [
      [['--port'], {}, /--port needs a port number.*PORT=8788 npm run dev/],
      [['--port', '--var'], {}, /--port needs a port number/],
      [['--port', 'http'], {}, /--port must be a TCP port number \(1-65535\), got "http"/],
      [['--port=0'], {}, /got "0"/],
      [['--port', '8788', '--port=8789'], {}, /--port given twice/],
      [[], { PORT: '99999' }, /PORT must be a TCP port number \(1-65535\), got "99999"/],
      [['--pglite-dir'], {}, /--pglite-dir needs a directory/],
    ]
    for (const [args, env, message] of refusals)
      expect(parseDevArgs(args, env)).toEqual({ error: expect.stringMatching(message) as unknown })
  })
})
