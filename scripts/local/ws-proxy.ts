import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'

/**
 * The Neon driver speaks Postgres over a WebSocket; a plain Postgres (or PGlite) listens on TCP.
 * This bridges the two for local runs. It ignores the `?address=` the driver sends, so a
 * production host in DATABASE_URL can never make it connect outward.
 */
export async function startWsProxy(target: { host: string; port: number }, port = 0) {
  const server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false })
  server.on('connection', (ws) => {
    const socket = net.connect(target)
    socket.setNoDelay(true)
    const pending: Buffer[] = []
    socket.on('connect', () => pending.splice(0).forEach((chunk) => socket.write(chunk)))
    ws.on('message', (data: Buffer) => {
      if (socket.connecting) pending.push(data)
      else socket.write(data)
      // A Terminate message ('X', length 4): half-close, because PGlite-socket never hangs up
      // itself and the driver would then wait forever for the close.
      const n = data.length
      if (n >= 5 && data[n - 5] === 0x58 && data[n - 1] === 4 && !data[n - 2] && !data[n - 3] && !data[n - 4]) {
        socket.end()
      }
    })
    socket.on('data', (chunk) => {
      if (ws.readyState === ws.OPEN) ws.send(chunk)
    })
    const close = () => {
      socket.destroy()
      if (ws.readyState <= ws.OPEN) ws.close()
    }
    ws.on('close', close)
    ws.on('error', close)
    socket.on('close', close)
    socket.on('error', close)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const address = server.address() as AddressInfo
  return {
    address: `127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate()
        server.close(() => resolve())
      }),
  }
}
