/**
 * The arguments of `npm run dev` (scripts/dev.ts): what the script keeps for itself, and what it
 * passes on to `wrangler dev`. Pure, so a test can run it without starting anything.
 *
 * The port is the script's own: it checks the port is free, hands it to wrangler and waits for the
 * Worker on it. So `--port N` (or `--port=N`), the habit a wrangler user brings, sets that port
 * rather than reaching wrangler as a second `--port`, which wrangler refuses. PORT in the
 * environment sets it too; the argument, being the more explicit, wins.
 */

export interface DevArgs {
  port: number
  /** Where the embedded PGlite keeps its data. */
  pgliteDir: string
  /** Everything else, in order, for `wrangler dev`. */
  wranglerArgs: string[]
}

export const DEFAULT_PORT = 8787
const DEFAULT_PGLITE_DIR = '.pglite'
const HOW_TO_GIVE_A_PORT = '`npm run dev -- --port 8788` or `PORT=8788 npm run dev`'

/** `--name value` or `--name=value`: the value, undefined when missing (or another option), or absent. */
function optionValue(args: readonly string[], i: number, name: string): { value?: string; next: number } | null {
  const arg = args[i]!
  if (arg.startsWith(`${name}=`)) return { value: arg.slice(name.length + 1), next: i }
  if (arg !== name) return null
  const value = args[i + 1]
  return value === undefined || value.startsWith('--') ? { next: i } : { value, next: i + 1 }
}

function tcpPort(value: string, what: string): number | { error: string } {
  const n = Number(value)
  if (value.trim() !== '' && Number.isInteger(n) && n >= 1 && n <= 65535) return n
  return { error: `${what} must be a TCP port number (1-65535), got "${value}"` }
}

export function parseDevArgs(args: readonly string[], env: { PORT?: string }): DevArgs | { error: string } {
  let port: number | undefined
  let pgliteDir = DEFAULT_PGLITE_DIR
  const wranglerArgs: string[] = []
  for (let i = 0; i < args.length; i++) {
    const portArg = optionValue(args, i, '--port')
    if (portArg) {
      if (portArg.value === undefined) return { error: `--port needs a port number: ${HOW_TO_GIVE_A_PORT}` }
      if (port !== undefined) return { error: `--port given twice; give one port: ${HOW_TO_GIVE_A_PORT}` }
      const parsed = tcpPort(portArg.value, '--port')
      if (typeof parsed !== 'number') return parsed
      port = parsed
      i = portArg.next
      continue
    }
    const dirArg = optionValue(args, i, '--pglite-dir')
    if (dirArg) {
      if (!dirArg.value) return { error: '--pglite-dir needs a directory' }
      pgliteDir = dirArg.value
      i = dirArg.next
      continue
    }
    wranglerArgs.push(args[i]!)
  }
  if (port === undefined) {
    const fromEnv = env.PORT
    if (fromEnv === undefined || fromEnv.trim() === '') port = DEFAULT_PORT
    else {
      const parsed = tcpPort(fromEnv, 'PORT')
      if (typeof parsed !== 'number') return parsed
      port = parsed
    }
  }
  return { port, pgliteDir, wranglerArgs }
}
