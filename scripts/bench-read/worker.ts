/** The Worker: Miniflare on 127.0.0.1, restartable. */
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { Log, LogLevel, Miniflare } from 'miniflare'
import { type DatabaseInfo, workerBindings } from '../bench-hostile'
import { type Compatibility, type WorkerBundle, assert, captureStdio } from '../bench-worker'
import { call } from './http'
import { workerdPids } from './proc'
import { HOST, PORT, READ_TOKEN } from './settings'

export class Worker {
  private mf?: Miniflare
  base!: URL
  pids: number[] = []
  restarts = 0

  constructor(
    private readonly script: WorkerBundle,
    private readonly compat: Compatibility,
    private readonly db: DatabaseInfo,
    private kvDir: string,
  ) {}

  async start(port = PORT) {
    this.mf = new Miniflare({
      // The one bundled module, listed rather than located (see scripts/bench.ts).
      modules: [{ type: 'ESModule', path: this.script.path, contents: this.script.contents }],
      modulesRoot: path.dirname(this.script.path),
      ...this.compat,
      kvNamespaces: ['KV'],
      // On disk as Miniflare's default (a temporary folder) is, but one that outlives a restart.
      kvPersist: this.kvDir,
      cf: false,
      host: HOST,
      port,
      log: new Log(LogLevel.WARN),
      handleRuntimeStdio: captureStdio('read'),
      // The paid plan's subrequest limit: the read bench's largest fleet is published by one cycle.
      bindings: { ...workerBindings(this.db), READ_TOKEN, SUBREQUEST_BUDGET: '10000' },
    })
    this.base = await this.mf.ready
    assert(this.base.hostname === HOST, `Miniflare listens on ${this.base.hostname}, expected ${HOST}`)
    this.pids = workerdPids()
  }

  /** A fresh workerd on the same port: what the last one was still doing is dropped. */
  async restart() {
    const port = Number(this.base.port)
    await this.stop()
    await this.start(port)
    this.restarts++
    const { status } = await call(this.base, 'GET', '/healthz', { timeoutS: 30 })
    assert(status === 200, `after a restart GET /healthz answered ${status}`)
  }

  /** A fresh workerd on the same port with an empty KV (in `kvDir`); the previous KV folder is removed. */
  async freshKv(kvDir: string) {
    const port = Number(this.base.port)
    await this.stop()
    await rm(this.kvDir, { recursive: true, force: true })
    this.kvDir = kvDir
    await this.start(port)
    const { status } = await call(this.base, 'GET', '/healthz', { timeoutS: 30 })
    assert(status === 200, `after a restart on an empty KV GET /healthz answered ${status}`)
  }

  async stop() {
    const mf = this.mf
    this.mf = undefined
    await mf?.dispose()
  }
}
