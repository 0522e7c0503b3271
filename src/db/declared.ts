import { sql } from 'drizzle-orm'
import type { BackendRecord } from '../published/types'
import type { Database } from './client'
import {
  backendHealth,
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

/** Everything an operator declared, and the health history: what one reconcile cycle starts from. */
export interface DeclaredState {
  backends: BackendRecord[]
  models: DeclaredModel[]
  groups: GroupRecord[]
  groupBackends: { groupId: string; backendId: string }[]
  groupModels: { groupId: string; modelId: string }[]
  providerConfigs: ProviderConfigRecord[]
  overrides: CapabilityOverride[]
  healthByBackend: Map<string, BackendHealth>
}

type Row = Record<string, unknown>

/** json_agg renders timestamptz as `2026-11-27T11:11:28.3+00:00`; the API speaks `…28.300Z`. */
const iso = (value: unknown) => new Date(String(value)).toISOString()

/**
 * Loads the whole declared state in one statement (one database round trip): each table is
 * aggregated to JSON in a scalar subquery. Backends come newest first, as the seed lists them.
 */
export async function loadDeclaredState(db: Database): Promise<DeclaredState> {
  const agg = (table: unknown, order: ReturnType<typeof sql>) =>
    sql`(select coalesce(json_agg(t ${order}), '[]'::json) from ${table} t)`
  const result = await db.execute<Record<Exclude<keyof DeclaredState, 'healthByBackend'> | 'health', Row[]>>(sql`select
    ${agg(backends, sql`order by t.created_at desc, t.id desc`)} as "backends",
    ${agg(declaredModels, sql`order by t.created_at, t.id`)} as "models",
    ${agg(groups, sql`order by t.created_at, t.id`)} as "groups",
    ${agg(groupBackends, sql`order by t.assigned_at desc`)} as "groupBackends",
    ${agg(groupModels, sql`order by t.created_at desc`)} as "groupModels",
    ${agg(providerConfigs, sql`order by t.scope`)} as "providerConfigs",
    ${agg(capabilityOverrides, sql`order by t.provider, t.model`)} as "overrides",
    ${agg(backendHealth, sql`order by t.backend_id`)} as "health"`)
  const row = result.rows[0]
  if (!row) throw new Error('declared state query returned no row')
  return {
    backends: row.backends.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      baseUrl: String(r.base_url),
      type: String(r.type),
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
    })),
    models: row.models.map((r) => ({
      id: String(r.id),
      model: String(r.model),
      canChat: r.can_chat === true,
      canEmbed: r.can_embed === true,
      canPrompt: r.can_prompt === true,
      canStream: r.can_stream === true,
      contextLength: Number(r.context_length),
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
    })),
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
          consecutiveFailures: Number(r.consecutive_failures),
          lastSuccessAt: r.last_success_at === null ? null : iso(r.last_success_at),
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
  learned: { id: string; contextLength: number }[],
): Promise<void> {
  if (learned.length === 0) return
  const values = sql.join(
    learned.map((l) => sql`(${l.id}, ${l.contextLength}::integer)`),
    sql`, `,
  )
  await db.execute(sql`update ${declaredModels} set context_length = v.ctx, updated_at = now()
    from (values ${values}) as v(id, ctx)
    where ${declaredModels.id} = v.id and ${declaredModels.contextLength} = 0`)
}

/**
 * Stores every probed backend's health in one statement. A backend deleted while the cycle ran
 * is skipped rather than failing the cycle on its foreign key.
 */
export async function saveHealth(
  db: Database,
  rows: { backendId: string; consecutiveFailures: number; lastSuccessAt: string | null; checkedAt: string }[],
): Promise<void> {
  if (rows.length === 0) return
  const values = sql.join(
    rows.map(
      (r) =>
        sql`(${r.backendId}, ${r.consecutiveFailures}::integer, ${r.lastSuccessAt}::timestamptz, ${r.checkedAt}::timestamptz)`,
    ),
    sql`, `,
  )
  await db.execute(sql`insert into ${backendHealth} (backend_id, consecutive_failures, last_success_at, checked_at)
    select v.id, v.failures, v.success, v.checked from (values ${values}) as v(id, failures, success, checked)
    where exists (select 1 from ${backends} b where b.id = v.id)
    on conflict (backend_id) do update set consecutive_failures = excluded.consecutive_failures,
      last_success_at = excluded.last_success_at, checked_at = excluded.checked_at`)
}
