import type { DetailCache, ListContext, ObservedModel } from '../../src/providers/types'

/** Test support, never imported by the Worker: an in-memory DetailCache. */
export function memoryDetailCache(): DetailCache & { values: Map<string, unknown> } {
  const values = new Map<string, unknown>()
  return {
    values,
    getMany: async (keys) => new Map(keys.filter((k) => values.has(k)).map((k) => [k, values.get(k)])),
    put: async (key, value) => {
      values.set(key, value)
    },
  }
}

/** The ListContext fields a unit test of an adapter rarely cares about: no deadline, no cached details, 8 MiB bodies. */
export function listDefaults(): Pick<ListContext, 'deadlineAt' | 'now' | 'detailCache' | 'maxResponseBytes'> {
  return {
    deadlineAt: Number.POSITIVE_INFINITY,
    now: () => Date.now(),
    detailCache: memoryDetailCache(),
    maxResponseBytes: 8 * 1024 * 1024,
  }
}

/** A listed chat model that states nothing else, with what a test cares about given. */
export function observedModel(name: string, facts: Partial<ObservedModel> = {}): ObservedModel {
  return {
    name,
    contextLength: 0,
    maxOutputTokens: 0,
    canChat: true,
    canEmbed: false,
    canPrompt: true,
    canStream: true,
    canThink: false,
    canVision: false,
    tools: null,
    ...facts,
  }
}
