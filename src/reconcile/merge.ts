import { type Claims, mergeClaims, withClaim } from '../catalog/claims'
import { listingClaims } from '../catalog/listing-claims'
import type { BackendHealth, CapabilityOverride, DeclaredModel } from '../db/declared'
import type { ErrorKind, ProviderError } from '../errors/provider-error'
import type { ObservedModel, ProviderAdapter } from '../providers/types'
import type { BackendRecord, BackendStatus } from '../published/types'
import type { ListedModel, ProbedState } from './health'

/** The outcome of asking one backend for its models. */
export type ProbeOutcome =
  | { ok: true; models: ObservedModel[]; warnings: string[]; fromCache: boolean; latencyMs: number }
  | { ok: false; error: ProviderError; latencyMs: number }

export type MergePolicy = Pick<ProviderAdapter, 'label' | 'declaredPolicy' | 'stripLatest' | 'learnsContext'>

/** A backend type without an adapter only ever fails; this policy is never consulted for models. */
export const UNSUPPORTED_POLICY: MergePolicy = {
  label: 'unsupported',
  declaredPolicy: 'ignore',
  stripLatest: false,
  learnsContext: false,
}

export interface MergeInput {
  backend: BackendRecord
  /** Canonical backend type, the provider key of capability overrides. */
  type: string
  adapter: MergePolicy
  declared: DeclaredModel[]
  outcome: ProbeOutcome
  /** What earlier cycles recorded; undefined for a backend never probed. */
  previous: BackendHealth | undefined
  overrides: OverrideIndex
  autoDiscover: boolean
  checkedAt: string
}

export interface MergeResult {
  /** This probe's view; the cycle settles it against the backend's history (health.ts). */
  state: ProbedState
  /** Context lengths learned for declared models that had none (seed's DB write-back). */
  learnedContexts: { id: string; contextLength: number }[]
}

export type OverrideIndex = ReadonlyMap<string, CapabilityOverride>

export function indexOverrides(overrides: CapabilityOverride[]): OverrideIndex {
  return new Map(overrides.map((o) => [overrideKey(o.provider, o.model), o]))
}

function overrideKey(provider: string, model: string): string {
  return `${provider.trim().toLowerCase()}:${model.trim()}`
}

/** Think/vision corrections win over what the provider said: an operator knows better than a listing. */
export function applyOverride(model: ListedModel, type: string, overrides: OverrideIndex): ListedModel {
  const id = model.model.trim() || model.name.trim()
  if (!id) return model
  const override = overrides.get(overrideKey(type, id))
  if (!override) return model
  let claims = model.claims ?? {}
  claims = withClaim(claims, 'capabilities.reasoning', override.canThink, 'override')
  claims = withClaim(claims, 'capabilities.vision', override.canVision, 'override')
  return {
    ...model,
    canThink: override.canThink ?? model.canThink,
    canVision: override.canVision ?? model.canVision,
    claims,
  }
}

export function pullStatusFromObserved(observed: ObservedModel): ListedModel {
  const { displayName, name, modifiedAt, size, digest, stated: _s, ruled: _r, ...capabilities } = observed
  return {
    name: displayName?.trim() || name,
    model: name,
    ...capabilities,
    claims: listingClaims(observed),
    ...(modifiedAt !== undefined ? { modifiedAt } : {}),
    ...(size !== undefined ? { size } : {}),
    ...(digest !== undefined ? { digest } : {}),
  }
}

/**
 * Declared + observed → one backend's state. Pure: the same input always gives the same state,
 * which is what lets the cycle skip KV writes when nothing changed.
 */
export function mergeBackend(input: MergeInput): MergeResult {
  const { outcome, previous } = input
  if (!outcome.ok) {
    const kind = outcome.error.kind
    const counts = kind !== 'unconfigured' && kind !== 'unsupported'
    return {
      state: baseState(input, {
        status: statusForError(kind),
        error: outcome.error.message,
        errorKind: kind,
        lastSuccessAt: previous?.lastSuccessAt ?? null,
        consecutiveFailures: counts ? (previous?.consecutiveFailures ?? 0) + 1 : 0,
        latencyMs: outcome.latencyMs,
      }),
      learnedContexts: [],
    }
  }

  const merged = mergeModels(input, outcome.models)
  const pulledModels = merged.models.map((m) => applyOverride(m, input.type, input.overrides))
  const noneDeclaredServed =
    input.adapter.declaredPolicy === 'filter' &&
    input.declared.length > 0 &&
    pulledModels.length === 0 &&
    !input.autoDiscover
  const problem = noneDeclaredServed ? noneDeclaredMessage(input, outcome.models) : undefined
  const degraded = problem !== undefined || outcome.warnings.length > 0
  return {
    state: baseState(input, {
      status: degraded ? 'degraded' : 'healthy',
      pulledModels,
      ...(problem ? { error: problem, errorKind: 'no_declared_models' as const } : {}),
      ...(outcome.warnings.length > 0 ? { warnings: outcome.warnings } : {}),
      lastSuccessAt: outcome.fromCache ? (previous?.lastSuccessAt ?? input.checkedAt) : input.checkedAt,
      consecutiveFailures: 0,
      latencyMs: outcome.latencyMs,
    }),
    learnedContexts: merged.learnedContexts,
  }
}

function statusForError(kind: ErrorKind): BackendStatus {
  if (kind === 'unconfigured') return 'unconfigured'
  if (kind === 'unsupported') return 'unsupported'
  return 'down'
}

function baseState(
  input: MergeInput,
  fields: Partial<ProbedState> & Pick<ProbedState, 'status' | 'lastSuccessAt' | 'consecutiveFailures' | 'latencyMs'>,
): ProbedState {
  const pulledModels = fields.pulledModels ?? []
  return {
    id: input.backend.id,
    name: input.backend.name,
    models: [...new Set(pulledModels.map((m) => m.model || m.name))].sort(),
    backend: input.backend,
    checkedAt: input.checkedAt,
    ...fields,
    pulledModels,
  }
}

function mergeModels(
  input: MergeInput,
  observed: ObservedModel[],
): { models: ListedModel[]; learnedContexts: MergeResult['learnedContexts'] } {
  const { adapter, autoDiscover } = input
  if (adapter.declaredPolicy === 'ignore') return { models: observed.map(pullStatusFromObserved), learnedContexts: [] }

  const declaredByKey = declaredIndex(input.declared, adapter.stripLatest)
  const models: ListedModel[] = []
  const learnedContexts: MergeResult['learnedContexts'] = []
  for (const model of observed) {
    const declared = declaredByKey.get(model.name)
    const learns = adapter.learnsContext && declared?.contextLength === 0 && model.contextLength > 0
    if (declared && learns) learnedContexts.push({ id: declared.id, contextLength: model.contextLength })
    if (adapter.declaredPolicy === 'overlay') {
      models.push(overlayDeclared(pullStatusFromObserved(model), declared))
    } else if (declared) {
      models.push({
        name: declared.id,
        model: declared.model,
        modifiedAt: declared.updatedAt,
        contextLength: learns ? model.contextLength : declared.contextLength,
        maxOutputTokens: model.maxOutputTokens,
        canChat: declared.canChat,
        canEmbed: declared.canEmbed,
        canPrompt: declared.canPrompt,
        canStream: declared.canStream,
        canThink: false,
        canVision: false,
        tools: model.tools,
        claims: mergeClaims(listingClaims(model), declaredClaims(declared)),
        ...(declared.catalogId ? { catalogId: declared.catalogId } : {}),
      })
    } else if (autoDiscover) {
      models.push(pullStatusFromObserved(model))
    }
  }
  return { models, learnedContexts }
}

/** Ollama: the operator's intent adds to what the daemon reports; it never removes. */
function overlayDeclared(model: ListedModel, declared: DeclaredModel | undefined): ListedModel {
  if (!declared) return model
  return {
    ...model,
    claims: mergeClaims(model.claims ?? {}, declaredClaims(declared)),
    ...(declared.catalogId ? { catalogId: declared.catalogId } : {}),
    contextLength: declared.contextLength > 0 ? declared.contextLength : model.contextLength,
    canChat: model.canChat || declared.canChat,
    canEmbed: model.canEmbed || declared.canEmbed,
    canPrompt: model.canPrompt || declared.canPrompt,
    canStream: model.canStream || declared.canStream,
  }
}

/** What a declaration says of the published facts: its context length, when it gives one. */
function declaredClaims(declared: DeclaredModel): Claims {
  return withClaim({}, 'limits.context', declared.contextLength > 0 ? declared.contextLength : undefined, 'declared')
}

function declaredIndex(declared: DeclaredModel[], stripLatest: boolean): Map<string, DeclaredModel> {
  return new Map(declared.map((d) => [stripLatest ? d.model.replace(/:latest$/, '') : d.model, d]))
}

/** How many observed models a `no_declared_models` error names. */
const MAX_NAMED_AVAILABLE = 50

/** The Go service's message, with the declared entries sorted so the text is stable. */
function noneDeclaredMessage(input: MergeInput, observed: ObservedModel[]): string {
  const entries = [...declaredIndex(input.declared, input.adapter.stripLatest)]
    .map(([key, d]) => `${key}:${d.id} ${d.model}`)
    .sort()
    .join(', ')
  // A backend may list thousands: the error names enough to recognise it, not all of them.
  const shown = observed.slice(0, MAX_NAMED_AVAILABLE).map((m) => m.name)
  const more = observed.length - shown.length
  const available = shown.join(' ') + (more > 0 ? ` … and ${more} more` : '')
  return `None of the declared models are available in the ${input.adapter.label} API: declared models: ${entries} \navailable models [${available}]`
}
