import { describe, expect, it } from 'vitest'
import type { FleetRow } from '../views/fleet'
import { catalog, searchCatalog } from './catalog'
import { filterRows, fleetFilter, isFiltered, statusCounts, typesOf } from './fleet-filter'

function row(id: string, type: string, status: FleetRow['status'], models: FleetRow['models']): FleetRow {
  return {
    id,
    name: `name-${id}`,
    type,
    baseUrl: `http://${id}.test`,
    status,
    models,
    uptime24h: null,
    latencyP95Ms: null,
    checkedAt: '2026-12-02T12:00:00.000Z',
    lastSuccessAt: null,
  }
}

const rows = [
  row('a', 'ollama', 'healthy', [
    ['llama3:8b', 1 | 8, 8192, 0],
    ['nomic-embed', 2, 2048, 0],
  ]),
  row('b', 'openai', 'down', []),
  row('c', 'ollama', 'suspect', [['Llama3:70B', 1 | 16, 131072, 1]]),
]

describe('fleet filter', () => {
  it('reads the query leniently: an unknown status is no filter, text is trimmed', () => {
    const query = { type: ' ollama ', status: 'on-fire', model: ' LLAMA ' } as Record<string, string>
    const filter = fleetFilter((name) => query[name])
    expect(filter).toEqual({ type: 'ollama', status: '', model: 'LLAMA' })
    expect(isFiltered(filter)).toBe(true)
    expect(isFiltered(fleetFilter(() => undefined))).toBe(false)
  })

  it('keeps rows that match every part; the model part is a substring in any case', () => {
    const ids = (filter: Parameters<typeof filterRows>[1]) => filterRows(rows, filter).map((r) => r.id)
    expect(ids({ type: '', status: '', model: '' })).toEqual(['a', 'b', 'c'])
    expect(ids({ type: 'ollama', status: '', model: '' })).toEqual(['a', 'c'])
    expect(ids({ type: '', status: 'down', model: '' })).toEqual(['b'])
    expect(ids({ type: '', status: '', model: 'llama3' })).toEqual(['a', 'c'])
    expect(ids({ type: 'ollama', status: 'healthy', model: 'embed' })).toEqual(['a'])
    expect(ids({ type: 'vllm', status: '', model: '' })).toEqual([])
  })

  it('counts every status, zeros included, and lists the types present', () => {
    const counts = Object.fromEntries(statusCounts(rows))
    expect(counts).toEqual({
      healthy: 1,
      degraded: 0,
      suspect: 1,
      down: 1,
      recovering: 0,
      unconfigured: 0,
      unsupported: 0,
    })
    expect(typesOf(rows)).toEqual(['ollama', 'openai'])
  })
})

describe('catalog', () => {
  it('merges a model across backends: capabilities OR-ed, the largest context, every backend', () => {
    const merged = catalog([...rows, row('d', 'vllm', 'healthy', [['llama3:8b', 4, 32768, 0, 'l']])])
    expect(merged.map((m) => m.id)).toEqual(['Llama3:70B', 'llama3:8b', 'nomic-embed'])
    const llama = merged.find((m) => m.id === 'llama3:8b')!
    expect(llama.capabilities).toBe(1 | 4 | 8)
    expect(llama.facts.context).toEqual({ value: 32768, source: 'discovered' })
    expect(llama.backends).toEqual([
      { id: 'a', name: 'name-a', status: 'healthy', stale: false },
      { id: 'd', name: 'name-d', status: 'healthy', stale: false },
    ])
    expect(merged.find((m) => m.id === 'Llama3:70B')!.backends[0]!.stale).toBe(true)
  })

  it('finds models by a substring of their id in any case', () => {
    expect(searchCatalog(catalog(rows), 'LLAMA').map((m) => m.id)).toEqual(['Llama3:70B', 'llama3:8b'])
    expect(searchCatalog(catalog(rows), '  ')).toHaveLength(3)
  })
})
