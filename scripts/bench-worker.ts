/**
 * What the benchmarks share to run the real Worker in workerd through Miniflare: the wrangler.toml
 * compatibility settings, wrangler's deploy bundle, and the Worker's captured stdout/stderr.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** BENCH_VERBOSE=1 echoes the Worker's own log lines (one JSON line per request and cycle). */
export const VERBOSE = process.env.BENCH_VERBOSE === '1'

export class BenchError extends Error {}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new BenchError(message)
}

export interface Compatibility {
  compatibilityDate: string
  compatibilityFlags: string[]
}

export interface WorkerBundle {
  path: string
  contents: string
}

/** compatibility_date and compatibility_flags from wrangler.toml (two flat keys; no TOML parser needed). */
export async function readCompatibility(projectRoot = root): Promise<Compatibility> {
  const toml = await readFile(path.join(projectRoot, 'wrangler.toml'), 'utf8')
  const date = toml.match(/^\s*compatibility_date\s*=\s*"([^"]+)"/m)?.[1]
  const flagsText = toml.match(/^\s*compatibility_flags\s*=\s*\[([^\]]*)\]/m)?.[1] ?? ''
  const flags = [...flagsText.matchAll(/"([^"]+)"/g)].map((m) => m[1]!)
  assert(date, 'wrangler.toml has no compatibility_date')
  return { compatibilityDate: date, compatibilityFlags: flags }
}

/**
 * G14: Miniflare does not bundle, so bundle src/index.ts exactly as `wrangler deploy` would (the
 * same bundle production runs, dynamic imports of optional packages included). `projectRoot`: the
 * folder with the wrangler.toml and src/ to bundle (another copy of the project, e.g. a `git
 * archive` of another commit with node_modules linked in), this project by default.
 */
export async function bundleWorker(outDir: string, projectRoot = root): Promise<WorkerBundle> {
  const wrangler = path.join(root, 'node_modules/.bin/wrangler')
  await execFileAsync(wrangler, ['deploy', '--dry-run', '--outdir', outDir], {
    cwd: projectRoot,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  })
  const scriptPath = path.join(outDir, 'index.js')
  return { path: scriptPath, contents: await readFile(scriptPath, 'utf8') }
}

/** Runs `work` over `items`, `limit` at a time (e.g. bounded parallel admin calls). */
export async function inBatches<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  const queue = [...items]
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item)
    }),
  )
}

/** Worker stdout/stderr: kept (last lines) so a failure can show what the Worker said. */
export const workerOutput: string[] = []

/** `onLine`, when given, also gets every line (e.g. to parse the Worker's JSON log lines); the label is not prefixed. */
export function captureStdio(label: string, onLine?: (line: string, stream: 'out' | 'err') => void) {
  return (stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) => {
    for (const [stream, name] of [
      [stdout, 'out'],
      [stderr, 'err'],
    ] as const) {
      let rest = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n')
        rest = lines.pop() ?? ''
        for (const line of lines) {
          if (!line.trim()) continue
          onLine?.(line, name)
          workerOutput.push(`[${label} ${name}] ${line}`)
          if (VERBOSE) console.error(`  worker ${label} ${name}: ${line}`)
          if (workerOutput.length > 400) workerOutput.shift()
        }
      })
    }
  }
}

interface AdminInit {
  method: string
  headers: Record<string, string>
  body: string | undefined
}

/** One admin call, sent by `send` (Node's fetch, or Miniflare's dispatchFetch); the body parsed when it is JSON. */
export async function adminCall(
  send: (url: string, init: AdminInit) => Promise<{ status: number; text(): Promise<string> }>,
  url: string,
  token: string,
  method: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await send(url, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  try {
    return { status: response.status, json: JSON.parse(text) }
  } catch {
    return { status: response.status, json: text }
  }
}
