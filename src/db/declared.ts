import { sql } from 'drizzle-orm'
import type { BackendRecord, BackendStatus } from '../published/types'
import type { Database } from './client'
import { backendRecord, declaredModelRecord, rowFromJson } from './records'
import { holdsLease } from './runs'
import {
  backendHealth,
  backendRollups,
  backends,
  capabilityOverrides,
  declaredModels,
  groupBackends,
  groupModels,
  groups,
  providerConfigs,
} from './schema'

export interface DeclaredModel {
  id: string
  model: string
  canChat: boolean
  canEmbed: boolean
  canPrompt: boolean
  canStream: boolean
  contextLength: number
  /** Its entry in the models.dev catalog as `provider/model`, or null. */
  catalogId: string | null
  createdAt: string
  updatedAt: string
}

export interface GroupRecord {
  id: string
  name: string
  purposeType: string
}

export interface ProviderConfigRecord {
  type: string
  /** Set when the config applies to this one backend only. */
  backendId: string | null
  apiKeyCiphertext: string | null
  apiKeyEnv: string | null
  /** The hosts it may be sent to; null: the type's official hosts, or its own backend's host. */
  hosts: string[] | null
  updatedAt: string
}

export interface CapabilityOverride {
  provider: string
  model: string
  canThink: boolean | null
  canVision: boolean | null
}

/** What earlier cycles learned of a backend's health. */
export interface BackendHealth {
  consecutiveFailures: number
  /** ISO time of the last successful listing, or null if never. */
  lastSuccessAt: string | null
}

/** Per model id: context length, capability mask (bits fixed in db/model-fact-bits.ts), first seen (ms). */
export type ModelFactsMap = Record<string, [contextLength: number, capabilities: number, firstSeenAt: number]>

/** What Postgres remembers of a backend between cycles (backend_health). */
export interface HealthRecord {
  /** Its name when last seen. */
  name: string
  /** Its status after the last cycle; null when recorded before statuses were. */
  status: BackendStatus | null
  consecutiveFailures: number
  consecutiveSuccesses: number
  lastSuccessAt: string | null
  /** When it was last probed: the cycle asks the backends checked longest ago first. */
  checkedAt: string | null
  retryAfterUntil: string | null
  /** The facts of the models of its last good listing. */
  models: ModelFactsMap
}

/** Hourly rollups summed over a backend's windows (whole clock hours up to `now`). */
export interface WindowSums {
  probes: { '1h': number; '24h': number; '7d': number }
  good: { '1h': number; '24h': number; '7d': number }
  /** The latency histogram of the last 24 h (views/windows.ts buckets). */
  latency24h: number[]
}

/** Everything an operator declared, and the health history: what one reconcile cycle starts from. */
export interface DeclaredState {
  backends: BackendRecord[]
  models: DeclaredModel[]
  groups: GroupRecord[]
  groupBackends: { groupId: string; backendId: string }[]
  groupModels: { groupId: string; modelId: string }[]
  providerConfigs: ProviderConfigRecord[]
  overrides: CapabilityOverride[]
  /** Every backend the last cycles recorded, deleted ones and ones no longer probed included (until their removal is recorded). */
  healthByBackend: Map<string, HealthRecord>
  windowsByBackend: Map<string, WindowSums>
}

type Row = Record<string, unknown>

/** json_agg renders timestamptz as `2026-11-27T11:11:28.3+00:00`; the API speaks `…28.300Z`. */
const iso = (value: unknown) => new Date(String(value)).toISOString()

/**
 * Loads the whole declared state in one statement (one database round trip): each table is
 * aggregated to JSON in a scalar subquery. Backends come newest first, as the seed lists them.
 * With `only`, just those backends, their health and their group memberships, and no windows: what
 * one shard of a fanned-out cycle needs to probe them.
 */
export async function loadDeclaredState(
  db: Database,
  options: { now: Date; only?: readonly string[] },
): Promise<DeclaredState> {
  const only = options.only ? JSON.stringify(options.only) : null
  const inShard = (column: string) =>
    only === null ? sql`` : sql`where t.${sql.identifier(column)} in (select jsonb_array_elements_text(${only}::jsonb))`
  const agg = (table: unknown, order: ReturnType<typeof sql>, column?: string) =>
    sql`(select coalesce(json_agg(t ${order}), '[]'::json) from ${table} t ${column ? inShard(column) : sql``})`
  const now = options.now.toISOString()
  // Windows are whole clock hours: a rollup counts when its hour starts after now − window.
  const since = (interval: string) => sql`r.hour > ${now}::timestamptz - ${interval}::interval`
  const windows = sql`(select coalesce(json_agg(w), '[]'::json) from (
      select r.backend_id,
        coalesce(sum(r.probes) filter (where ${since('1 hour')}), 0) as p1,
        coalesce(sum(r.good) filter (where ${since('1 hour')}), 0) as g1,
        coalesce(sum(r.probes) filter (where ${since('24 hours')}), 0) as p24,
        coalesce(sum(r.good) filter (where ${since('24 hours')}), 0) as g24,
        sum(r.probes) as p7,
        sum(r.good) as g7,
        (select array_agg(total order by i) from (
          select u.i, sum(u.v) as total from ${backendRollups} r2, unnest(r2.latency) with ordinality as u(v, i)
          where r2.backend_id = r.backend_id and r2.hour > ${now}::timestamptz - '24 hours'::interval
          group by u.i) h) as latency
      from ${backendRollups} r
      where ${since('7 days')} and r.hour <= ${now}::timestamptz
      group by r.backend_id) w)`
  const result = await db.execute<
    Record<Exclude<keyof DeclaredState, 'healthByBackend' | 'windowsByBackend'> | 'health' | 'windows', Row[]>
  >(sql`select
    ${agg(backends, sql`order by t.created_at desc, t.id desc`, 'id')} as "backends",
    ${agg(declaredModels, sql`order by t.created_at, t.id`)} as "models",
    ${agg(groups, sql`order by t.created_at, t.id`)} as "groups",
    ${agg(groupBackends, sql`order by t.assigned_at desc`, 'backend_id')} as "groupBackends",
    ${agg(groupModels, sql`order by t.created_at desc`)} as "groupModels",
    ${agg(providerConfigs, sql`order by t.scope`)} as "providerConfigs",
    ${agg(capabilityOverrides, sql`order by t.provider, t.model`)} as "overrides",
    ${agg(backendHealth, sql`order by t.backend_id`, 'backend_id')} as "health",
    ${only === null ? windows : sql`'[]'::json`} as "windows"`)
  const row = result.rows[0]
  if (!row) throw new Error('declared state query returned no row')
  return {
    backends: row.backends.map((r) => backendRecord(rowFromJson(backends, r))),
    models: row.models.map((r) => declaredModelRecord(rowFromJson(declaredModels, r))),
    groups: row.groups.map((r) => ({ id: String(r.id), name: String(r.name), purposeType: String(r.purpose_type) })),
    groupBackends: row.groupBackends.map((r) => ({ groupId: String(r.group_id), backendId: String(r.backend_id) })),
    groupModels: row.groupModels.map((r) => ({ groupId: String(r.group_id), modelId: String(r.model_id) })),
    providerConfigs: row.providerConfigs.map((r) => ({
      type: String(r.type),
      backendId: (r.backend_id as string | null) ?? null,
      apiKeyCiphertext: (r.api_key_ciphertext as string | null) ?? null,
      apiKeyEnv: (r.api_key_env as string | null) ?? null,
      hosts: Array.isArray(r.hosts) ? r.hosts.map(String) : null,
      updatedAt: iso(r.updated_at),
    })),
    healthByBackend: new Map(
      row.health.map((r) => [
        String(r.backend_id),
        {
          name: String(r.name),
          status: (r.status as BackendStatus | null) ?? null,
          consecutiveFailures: Number(r.consecutive_failures),
          consecutiveSuccesses: Number(r.consecutive_successes),
          lastSuccessAt: r.last_success_at === null ? null : iso(r.last_success_at),
          checkedAt: r.checked_at === null || r.checked_at === undefined ? null : iso(r.checked_at),
          retryAfterUntil: r.retry_after_until === null ? null : iso(r.retry_after_until),
          models: (r.model_facts as ModelFactsMap | null) ?? {},
        },
      ]),
    ),
    windowsByBackend: new Map(
      row.windows.map((r) => [
        String(r.backend_id),
        {
          probes: { '1h': Number(r.p1), '24h': Number(r.p24), '7d': Number(r.p7) },
          good: { '1h': Number(r.g1), '24h': Number(r.g24), '7d': Number(r.g7) },
          latency24h: Array.isArray(r.latency) ? r.latency.map(Number) : [],
        },
      ]),
    ),
    overrides: row.overrides.map((r) => ({
      provider: String(r.provider),
      model: String(r.model),
      canThink: (r.can_think as boolean | null) ?? null,
      canVision: (r.can_vision as boolean | null) ?? null,
    })),
  }
}

/**
 * Stores context lengths the cycle learned for declared models that had none (0), in one
 * statement. Only `context_length` changes: the operator's capability flags are never touched.
 */
export async function writeBackContextLengths(
  db: Database,
  runId: string,
  learned: { id: string; contextLength: number }[],
): Promise<void> {
  if (learned.length === 0) return
  const values = sql.join(
    learned.map((l) => sql`(${l.id}, ${l.contextLength}::integer)`),
    sql`, `,
  )
  await db.execute(sql`update ${declaredModels} set context_length = v.ctx, updated_at = now()
    from (values ${values}) as v(id, ctx)
    where ${declaredModels.id} = v.id and ${declaredModels.contextLength} = 0 and ${holdsLease(runId)}`)
}
