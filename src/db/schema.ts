import { sql } from 'drizzle-orm'
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  varchar,
} from 'drizzle-orm/pg-core'

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}

/** One endpoint of one provider type (seed `llm_backends`). */
export const backends = pgTable(
  'backends',
  {
    id: varchar('id', { length: 255 }).primaryKey(),
    name: varchar('name', { length: 512 }).notNull().unique(),
    baseUrl: varchar('base_url', { length: 512 }).notNull(),
    type: varchar('type', { length: 512 }).notNull(),
    ...timestamps,
  },
  (t) => [unique('backends_type_base_url_unique').on(t.type, t.baseUrl)],
)

/** Models an operator declared, for every provider type (seed `ollama_models`). */
export const declaredModels = pgTable('declared_models', {
  id: varchar('id', { length: 255 }).primaryKey(),
  model: varchar('model', { length: 512 }).notNull().unique(),
  canChat: boolean('can_chat').notNull().default(false),
  canEmbed: boolean('can_embed').notNull().default(false),
  canPrompt: boolean('can_prompt').notNull().default(false),
  canStream: boolean('can_stream').notNull().default(false),
  /** 0 = unknown; the cycle learns it from a backend that reports one. */
  contextLength: integer('context_length').notNull().default(0),
  /** Its models.dev entry (`provider/model`): how a self-hosted model gets catalog facts. */
  catalogId: varchar('catalog_id', { length: 512 }),
  ...timestamps,
})

/** Affinity groups (seed `llm_affinity_group`). */
export const groups = pgTable('groups', {
  id: varchar('id', { length: 255 }).primaryKey(),
  name: varchar('name', { length: 512 }).notNull().unique(),
  purposeType: varchar('purpose_type', { length: 512 }).notNull(),
  ...timestamps,
})

export const groupBackends = pgTable(
  'group_backends',
  {
    groupId: varchar('group_id', { length: 255 })
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    backendId: varchar('backend_id', { length: 255 })
      .notNull()
      .references(() => backends.id, { onDelete: 'cascade' }),
    assignedAt: timestamp('assigned_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.backendId] }), index('group_backends_backend_idx').on(t.backendId)],
)

export const groupModels = pgTable(
  'group_models',
  {
    groupId: varchar('group_id', { length: 255 })
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    modelId: varchar('model_id', { length: 255 })
      .notNull()
      .references(() => declaredModels.id, { onDelete: 'cascade' }),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.modelId, t.groupId] }), index('group_models_group_idx').on(t.groupId)],
)

/**
 * Credentials (seed `cloud-provider:<type>`): either a literal key, stored AES-GCM encrypted, or
 * the name of a Worker secret/var that holds it. A config applies to every backend of its type,
 * unless one backend has its own (two OpenAI projects with two keys, say).
 */
export const providerConfigs = pgTable(
  'provider_configs',
  {
    /** `<type>` for the type-wide config, `<type>:<backendId>` for one backend's. */
    scope: varchar('scope', { length: 320 }).primaryKey(),
    type: varchar('type', { length: 64 }).notNull(),
    backendId: varchar('backend_id', { length: 255 }).references(() => backends.id, { onDelete: 'cascade' }),
    apiKeyCiphertext: text('api_key_ciphertext'),
    apiKeyEnv: varchar('api_key_env', { length: 255 }),
    /**
     * The hosts (`host`, `host:port`, `*.domain`) the credential may be sent to. Null means the
     * default binding: the type's official API hosts for a type-wide config, its own backend's
     * host for a per-backend one (which is dropped when that backend moves to another host).
     */
    hosts: jsonb('hosts').$type<string[]>(),
    ...timestamps,
  },
  (t) => [index('provider_configs_backend_idx').on(t.backendId)],
)

/** Manual think/vision corrections per (provider type, model) (seed `model-capability:*`). */
export const capabilityOverrides = pgTable(
  'capability_overrides',
  {
    provider: varchar('provider', { length: 64 }).notNull(),
    model: varchar('model', { length: 512 }).notNull(),
    canThink: boolean('can_think'),
    canVision: boolean('can_vision'),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.provider, t.model] })],
)

/**
 * Each backend's health history, kept here rather than in the KV snapshot so the counters stay
 * exact without rewriting the snapshot every cycle a backend stays down. No foreign key: a deleted
 * backend's row stays until the next cycle has recorded its removal in the change feed.
 */
export const backendHealth = pgTable('backend_health', {
  backendId: varchar('backend_id', { length: 255 }).primaryKey(),
  /** Its name when last seen, for the removal event of a deleted backend. */
  name: varchar('name', { length: 255 }).notNull().default(''),
  /** Its status after the last cycle (the health state machine's state); null before statuses were kept. */
  status: varchar('status', { length: 16 }),
  consecutiveFailures: integer('consecutive_failures').notNull().default(0),
  consecutiveSuccesses: integer('consecutive_successes').notNull().default(0),
  lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
  checkedAt: timestamp('checked_at', { withTimezone: true }).notNull().defaultNow(),
  /** Not asked again before this: the Retry-After of its last 429 or 503. */
  retryAfterUntil: timestamp('retry_after_until', { withTimezone: true }),
  /** The models of its last good listing: id → [context length, capability mask, first seen (ms)]. */
  modelFacts: jsonb('model_facts').notNull().default({}),
})

/** Per backend and clock hour: probes, good probes and a latency histogram (views/windows.ts). */
export const backendRollups = pgTable(
  'backend_rollups',
  {
    backendId: varchar('backend_id', { length: 255 })
      .notNull()
      .references(() => backends.id, { onDelete: 'cascade' }),
    hour: timestamp('hour', { withTimezone: true }).notNull(),
    probes: integer('probes').notNull().default(0),
    good: integer('good').notNull().default(0),
    latency: integer('latency').array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.backendId, t.hour] }), index('backend_rollups_hour_idx').on(t.hour)],
)

/** The change feed: one row per change a router cares about, in `seq` order. */
export const fleetEvents = pgTable(
  'fleet_events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    backendId: varchar('backend_id', { length: 255 }).notNull(),
    backendName: varchar('backend_name', { length: 255 }).notNull(),
    kind: varchar('kind', { length: 32 }).notNull(),
    data: jsonb('data').notNull().default({}),
  },
  // A backend's page lists its own events, newest first.
  (t) => [index('fleet_events_at_idx').on(t.at), index('fleet_events_backend_idx').on(t.backendId, t.seq)],
)

/** Up to which `seq` events were pruned: a cursor below it asks for events that are gone. */
export const fleetEventsPruned = pgTable('fleet_events_pruned', {
  id: integer('id').primaryKey().default(1),
  through: bigint('through', { mode: 'number' }).notNull().default(0),
})

/**
 * What one invocation of a fanned-out cycle observed of one backend, kept until the cycle publishes.
 * Keyed by (run, backend): a redelivered shard writes nothing a second time.
 */
export const cycleObservations = pgTable(
  'cycle_observations',
  {
    runId: varchar('run_id', { length: 64 }).notNull(),
    backendId: varchar('backend_id', { length: 255 }).notNull(),
    observation: jsonb('observation').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.backendId] }), index('cycle_observations_at_idx').on(t.at)],
)

/** One row per reconcile cycle that ran (or was refused the lease and did not). */
export const reconcileRuns = pgTable(
  'reconcile_runs',
  {
    id: varchar('id', { length: 64 }).primaryKey(),
    trigger: varchar('trigger', { length: 32 }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** running | ok | failed | abandoned */
    outcome: varchar('outcome', { length: 16 }).notNull().default('running'),
    error: text('error'),
    backendsTotal: integer('backends_total').notNull().default(0),
    backendsHealthy: integer('backends_healthy').notNull().default(0),
    backendsFailed: integer('backends_failed').notNull().default(0),
    snapshotWritten: boolean('snapshot_written').notNull().default(false),
    /** Backends not checked: past the cycle's time or an invocation's budgets, or a shard that never came in. */
    deferred: integer('deferred').notNull().default(0),
    /** The most subrequests and KV operations any one of the run's invocations used. */
    maxSubrequests: integer('max_subrequests').notNull().default(0),
    maxKvOps: integer('max_kv_ops').notNull().default(0),
    /** A fanned-out run: how many backends its shards carry, and when it publishes whatever came in. */
    planned: integer('planned'),
    deadline: timestamp('deadline', { withTimezone: true }),
    /** Set by the one invocation that publishes a fanned-out run. */
    publishedBy: varchar('published_by', { length: 64 }),
    /** What the run's catalog refresh did (see CatalogRefresh); null when it did not look. */
    catalog: jsonb('catalog'),
  },
  (t) => [index('reconcile_runs_started_idx').on(t.startedAt)],
)

/**
 * The single cycle lease: taken by one atomic upsert that succeeds only when the current holder's
 * lease has expired, so overlapping cron deliveries run one cycle and a crashed one is forgotten.
 */
export const reconcileLease = pgTable('reconcile_lease', {
  name: varchar('name', { length: 64 }).primaryKey(),
  runId: varchar('run_id', { length: 64 }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
})

/** A receiver of the change feed's events, pushed as signed Standard Webhooks (or Slack) messages. */
export const webhookSubscriptions = pgTable('webhook_subscriptions', {
  id: varchar('id', { length: 255 }).primaryKey(),
  url: varchar('url', { length: 2048 }).notNull(),
  /** `standard` (signed Standard Webhooks) or `slack` (an incoming-webhook body, unsigned). */
  format: varchar('format', { length: 16 }).notNull().default('standard'),
  /** Event types sent, `*` for all. */
  events: jsonb('events').$type<string[]>().notNull().default(['*']),
  /** Only these backends' events; null for every backend. */
  backendIds: jsonb('backend_ids').$type<string[]>(),
  description: varchar('description', { length: 512 }),
  enabled: boolean('enabled').notNull().default(true),
  /** Why it was disabled (a 410, or 5 days of failures); null when enabled or disabled by hand. */
  disabledReason: text('disabled_reason'),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  /** The signing secret, AES-GCM encrypted as provider keys are; null for Slack. */
  secretCiphertext: text('secret_ciphertext'),
  /** The secret before the last rotation, which signs too until `previousSecretUntil`. */
  previousSecretCiphertext: text('previous_secret_ciphertext'),
  previousSecretUntil: timestamp('previous_secret_until', { withTimezone: true }),
  /** Where this service's pages are, as the subscription was created: Slack lines link there. */
  pageOrigin: varchar('page_origin', { length: 512 }).notNull(),
  /** Since when every attempt has failed; null after a success. */
  failingSince: timestamp('failing_since', { withTimezone: true }),
  ...timestamps,
})

/**
 * One message to one subscription, written by the statement that writes the events it carries,
 * and each attempt to send it. Kept as long as events are.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    subscriptionId: varchar('subscription_id', { length: 255 })
      .notNull()
      .references(() => webhookSubscriptions.id, { onDelete: 'cascade' }),
    /** `webhook-id`: the same on every attempt. */
    messageId: varchar('message_id', { length: 80 }).notNull(),
    type: varchar('type', { length: 64 }).notNull(),
    /** The last event `seq` it carries; null for a test message, which keeps no order. */
    seq: bigint('seq', { mode: 'number' }),
    payload: jsonb('payload').notNull(),
    /** `pending`, `delivered` or `failed`. */
    status: varchar('status', { length: 16 }).notNull().default('pending'),
    /** Each attempt: when, its result, HTTP status, duration, the response's first 1 KiB or the error. */
    attempts: jsonb('attempts').notNull().default([]),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    /** An attempt in flight: no other invocation takes the delivery before then. */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('webhook_deliveries_subscription_idx').on(t.subscriptionId, t.id),
    index('webhook_deliveries_pending_idx')
      .on(t.nextAttemptAt)
      .where(sql`status = 'pending'`),
  ],
)

/** Attempts by result since the service began, for runtimestate_webhook_deliveries_total. */
export const webhookCounters = pgTable('webhook_counters', {
  result: varchar('result', { length: 16 }).primaryKey(),
  total: bigint('total', { mode: 'number' }).notNull().default(0),
})
