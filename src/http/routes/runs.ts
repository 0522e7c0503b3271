import { Hono } from 'hono'
import { z } from 'zod'
import { databaseUnavailable } from '../../db/errors'
import { type RunRecord, recentRuns } from '../../db/runs'
import { UNRECORDED_RUN_KEY, readUnrecordedRun } from '../../kv/unrecorded-run'
import { requireAdmin } from '../auth'
import type { AppEnv } from '../context'
import { doc } from '../openapi'
import { catalogRefreshSchema } from '../catalog-schemas'
import { runListSchema, type runSchema } from '../schemas'
import { limitParam } from '../input'
import { validate } from '../validate'
import { logDatabaseUnavailable } from '../log'

type Run = z.infer<typeof runSchema>
type RunList = z.infer<typeof runListSchema>

export const DEFAULT_RUNS_LIMIT = 20
export const MAX_RUNS_LIMIT = 100

const runsQuery = z.object({ limit: limitParam(DEFAULT_RUNS_LIMIT, MAX_RUNS_LIMIT) })

/** What the cycle keeps in KV; checked, since an older Worker version may have written it. */
const unrecordedShape = z.object({
  runId: z.string(),
  trigger: z.string(),
  startedAt: z.string(),
  durationMs: z.number(),
  finishedAt: z.string().optional(),
  error: z.string().optional(),
  backends: z.number().optional().default(0),
  byStatus: z.record(z.string(), z.number()).optional().default({}),
  snapshotWritten: z.boolean().optional().default(false),
  deferred: z.number().optional().default(0),
  usage: z.object({ subrequests: z.number(), kvOps: z.number() }).optional(),
  catalog: catalogRefreshSchema.optional().catch(undefined),
})

/** Cycle history: the recorded runs, and the last one the database could not take. */
export const runRoutes = new Hono<AppEnv>().use(requireAdmin).get(
  '/',
  doc({
    tag: 'runs',
    summary: 'Recent reconcile cycles, newest first',
    description: `Recent reconcile cycles, newest first, at most ?limit= (default ${DEFAULT_RUNS_LIMIT}, at most ${MAX_RUNS_LIMIT}), including the last one that could not be recorded in Postgres.`,
    access: 'admin',
    ok: {
      200: {
        description:
          'the runs; when the database is unreachable, only the run kept in KV, with `database.reachable: false`',
        schema: runListSchema,
      },
    },
    errors: { 422: `limit is not a whole number from 1 to ${MAX_RUNS_LIMIT}` },
  }),
  validate('query', runsQuery),
  async (c) => {
    const { limit } = c.req.valid('query')
    const unrecorded = await readUnrecorded(c.env.KV)
    // The run Postgres could not take matters most exactly when Postgres is down, so an
    // unreachable database still answers, with what KV holds and a flag saying so. Any other
    // database error (a bug, a missing table) goes to onError like everywhere else.
    let recorded: RunRecord[] = []
    let database: RunList['database'] = { reachable: true }
    try {
      recorded = await recentRuns(c.get('db')(), limit)
    } catch (error) {
      const unavailable = databaseUnavailable(error)
      if (!unavailable) throw error
      logDatabaseUnavailable(c.req.path, unavailable)
      database = { reachable: false, reason: unavailable.reason }
    }
    return c.json({ runs: merge(recorded.map(fromRecord), unrecorded, limit), database } satisfies RunList)
  },
)

async function readUnrecorded(kv: KVNamespace): Promise<Run | undefined> {
  const stored = await readUnrecordedRun(kv)
  if (stored === null) return undefined
  const parsed = unrecordedShape.safeParse(stored)
  if (!parsed.success) {
    console.warn(
      JSON.stringify({ msg: 'unreadable unrecorded run', key: UNRECORDED_RUN_KEY, error: parsed.error.message }),
    )
    return undefined
  }
  const run = parsed.data
  const healthy = run.byStatus.healthy ?? 0
  return {
    id: run.runId,
    trigger: run.trigger,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? new Date(Date.parse(run.startedAt) + run.durationMs).toISOString(),
    // Only a run that failed to be recorded is kept there.
    outcome: 'failed',
    error: run.error ?? null,
    backendsTotal: run.backends,
    backendsHealthy: healthy,
    backendsFailed: run.backends - healthy - (run.byStatus.degraded ?? 0),
    snapshotWritten: run.snapshotWritten,
    deferred: run.deferred,
    maxPerInvocation: { subrequests: run.usage?.subrequests ?? 0, kvOps: run.usage?.kvOps ?? 0 },
    fanOut: null,
    catalog: run.catalog ?? null,
    recorded: false,
  }
}

function fromRecord(row: RunRecord): Run {
  return {
    id: row.id,
    trigger: row.trigger,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    outcome: row.outcome as Run['outcome'],
    error: row.error,
    backendsTotal: row.backendsTotal,
    backendsHealthy: row.backendsHealthy,
    backendsFailed: row.backendsFailed,
    snapshotWritten: row.snapshotWritten,
    deferred: row.deferred,
    maxPerInvocation: { subrequests: row.maxSubrequests, kvOps: row.maxKvOps },
    fanOut:
      row.planned === null || !row.deadline ? null : { planned: row.planned, deadline: row.deadline.toISOString() },
    catalog: catalogRefreshSchema.safeParse(row.catalog).data ?? null,
    recorded: true,
  }
}

/**
 * The unrecorded run in time order among the recorded ones. When its start was recorded (the
 * database went away mid-cycle), the KV entry replaces that row: it says how the run ended.
 */
function merge(recorded: Run[], unrecorded: Run | undefined, limit: number): Run[] {
  if (!unrecorded) return recorded
  const runs = [...recorded.filter((r) => r.id !== unrecorded.id), unrecorded]
  runs.sort((a, b) => compare(b.startedAt, a.startedAt) || compare(b.id, a.id))
  return runs.slice(0, limit)
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
