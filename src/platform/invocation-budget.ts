/**
 * What one Worker invocation may spend, counted by the invocation itself: deployed Workers stop an
 * invocation past 1 000 KV operations or its subrequest limit and hold it to 6 open connections,
 * and Miniflare enforces none of that, so our own wrappers count (and tests assert) what we use.
 */

export interface BudgetLimits {
  /** SUBREQUEST_BUDGET: fetches, queue sends and database connections. */
  subrequests: number
  /** KV_OPS_BUDGET: gets (a bulk get counts once), puts, deletes and lists. */
  kvOps: number
}

export interface BudgetUsage {
  subrequests: number
  kvOps: number
  /** The most connections (fetches, KV calls, queue sends) open at once. */
  maxConnections: number
}

export type BudgetResource = 'subrequests' | 'kvOps'

const RESOURCE_NAMES: Record<BudgetResource, string> = {
  subrequests: 'subrequest',
  kvOps: 'KV operations',
}

/** A call that would take the invocation past one of its budgets: never made. */
export class BudgetExhaustedError extends Error {
  constructor(readonly resource: BudgetResource) {
    super(`the invocation's ${RESOURCE_NAMES[resource]} budget ran out`)
    this.name = 'BudgetExhaustedError'
  }
}

export class InvocationBudget {
  private readonly used = { subrequests: 0, kvOps: 0 }
  private readonly held = { subrequests: 0, kvOps: 0 }
  private open = 0
  private maxOpen = 0

  constructor(readonly limits: BudgetLimits) {}

  /** Takes `count` of a resource, or throws BudgetExhaustedError without taking any. */
  take(resource: BudgetResource, count = 1): void {
    if (this.used[resource] + count > this.limits[resource] - this.held[resource]) {
      throw new BudgetExhaustedError(resource)
    }
    this.used[resource] += count
  }

  /** What is left for work that is not held back. */
  remaining(resource: BudgetResource): number {
    return Math.max(0, this.limits[resource] - this.held[resource] - this.used[resource])
  }

  /**
   * Holds `count` back from everything taken until `release`: the publish step keeps what it
   * needs while probes spend the rest.
   */
  hold(resource: BudgetResource, count: number): void {
    this.held[resource] = Math.max(0, Math.min(count, this.limits[resource] - this.used[resource]))
  }

  release(resource: BudgetResource): void {
    this.held[resource] = 0
  }

  /** Counts a connection open while `work` runs. */
  async connection<T>(work: () => Promise<T>): Promise<T> {
    this.open++
    this.maxOpen = Math.max(this.maxOpen, this.open)
    try {
      return await work()
    } finally {
      this.open--
    }
  }

  usage(): BudgetUsage {
    return { subrequests: this.used.subrequests, kvOps: this.used.kvOps, maxConnections: this.maxOpen }
  }
}

/** `fetch`, counting each call as a subrequest and a connection. */
export function countedFetch(fetcher: typeof fetch, budget: InvocationBudget): typeof fetch {
  return async (input, init) => {
    budget.take('subrequests')
    return budget.connection(() => fetcher(input, init))
  }
}

const KV_METHODS = new Set(['get', 'getWithMetadata', 'put', 'delete', 'list'])

/**
 * A KV namespace whose operations go through `around` (given the method's name, its arguments and
 * the call itself); other properties are the namespace's own. The one wrapper the budget, its
 * watches and the publish fence share.
 */
export function aroundKv(
  kv: KVNamespace,
  around: (method: string, args: unknown[], call: () => Promise<unknown>) => Promise<unknown>,
): KVNamespace {
  return new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown
      if (typeof value !== 'function' || !KV_METHODS.has(String(prop))) return value
      return (...args: unknown[]) =>
        around(String(prop), args, async () => (value as (...a: unknown[]) => unknown).apply(target, args))
    },
  })
}

/** A KV namespace whose every operation (a bulk get once) is counted against the budget. */
export function countedKv(kv: KVNamespace, budget: InvocationBudget): KVNamespace {
  return aroundKv(kv, async (_method, _args, call) => {
    budget.take('kvOps')
    return budget.connection(call)
  })
}

/** A queue producer whose sends count as subrequests and connections. */
export function countedQueue<T>(queue: Queue<T>, budget: InvocationBudget): Queue<T> {
  return {
    send: async (body, options) => {
      budget.take('subrequests')
      return budget.connection(() => queue.send(body, options))
    },
    sendBatch: async (messages, options) => {
      budget.take('subrequests')
      return budget.connection(() => queue.sendBatch(messages, options))
    },
  } as Queue<T>
}

/**
 * Watches one unit of work's calls for a budget that ran out, so the work can be deferred rather
 * than failed, however the code in between reported the error.
 */
export function budgetWatch(): {
  fetch: (fetcher: typeof fetch) => typeof fetch
  kv: (kv: KVNamespace) => KVNamespace
  exhausted: () => BudgetResource | null
} {
  let exhausted: BudgetResource | null = null
  const noted = (error: unknown) => {
    if (error instanceof BudgetExhaustedError) exhausted ??= error.resource
    return error
  }
  return {
    fetch: (fetcher) => async (input, init) => {
      try {
        return await fetcher(input, init)
      } catch (error) {
        throw noted(error)
      }
    },
    kv: (kv) =>
      aroundKv(kv, async (_method, _args, call) => {
        try {
          return await call()
        } catch (error) {
          throw noted(error)
        }
      }),
    exhausted: () => exhausted,
  }
}
