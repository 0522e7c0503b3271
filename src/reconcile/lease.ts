import type { Database } from '../db/client'
import { renewLease } from '../db/runs'

/** Another run took the lease over: this cycle must not publish over it. */
export class LeaseLostError extends Error {
  constructor() {
    super(
      'lost the cycle lease: it was not renewed within LEASE_TTL_S and another cycle took it over; this cycle published nothing',
    )
    this.name = 'LeaseLostError'
  }
}

/** At most this many renewal errors are kept for the cycle's log line. */
const MAX_KEPT_ERRORS = 3

/**
 * Keeps a cycle's lease alive while it runs: renewed every third of its lifetime, so a cycle that
 * is killed stops renewing and the next one takes over within one lease. A renewal that fails to
 * reach the database is kept as a warning (the lease may still be ours); one that finds another
 * run holding the lease marks it lost, and `confirm` is the check that counts before publishing.
 */
export class LeaseKeeper {
  private timer: ReturnType<typeof setInterval> | undefined
  private inFlight: Promise<void> | undefined
  private lost = false
  /** Renewals that could not reach the database. */
  readonly errors: string[] = []

  constructor(
    private readonly db: Database,
    private readonly run: { id: string; leaseTtlS: number },
    private readonly describe: (error: unknown) => string,
  ) {}

  start(): void {
    const everyMs = Math.max(1_000, Math.floor((this.run.leaseTtlS * 1_000) / 3))
    this.timer = setInterval(() => {
      if (this.inFlight || this.lost) return
      this.inFlight = this.renew().finally(() => (this.inFlight = undefined))
    }, everyMs)
  }

  /**
   * Renews the lease now and throws LeaseLostError if another run holds it. Called right before
   * publishing: the lease then has a whole lifetime left, far more than the publication takes.
   */
  async confirm(): Promise<void> {
    await this.inFlight
    if (this.lost || !(await renewLease(this.db, this.run))) {
      this.lost = true
      throw new LeaseLostError()
    }
  }

  /** Stops renewing; waits for a renewal in flight, so none outlives the cycle's connections. */
  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.inFlight
  }

  private async renew(): Promise<void> {
    try {
      if (!(await renewLease(this.db, this.run))) this.lost = true
    } catch (error) {
      if (this.errors.length < MAX_KEPT_ERRORS) this.errors.push(`renewing the lease: ${this.describe(error)}`)
    }
  }
}
