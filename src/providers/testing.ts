import type { DetailCache, ListContext } from './types'

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
