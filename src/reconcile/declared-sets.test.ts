import { describe, expect, it } from 'vitest'
import type { DeclaredState } from '../db/declared'
import { declaredSets } from './declared-sets'

const backend = (id: string) => ({ id, name: id, baseUrl: `http://${id}`, type: 'vllm', createdAt: '', updatedAt: '' })
const model = (id: string) => ({
  id,
  model: `m-${id}`,
  canChat: true,
  canEmbed: false,
  canPrompt: false,
  canStream: false,
  contextLength: 0,
  catalogId: null,
  createdAt: '',
  updatedAt: '',
})

const state: DeclaredState = {
  backends: [backend('a'), backend('b'), backend('loner')],
  models: [model('1'), model('2'), model('3')],
  groups: [
    { id: 'g1', name: 'Chat', purposeType: 'chat' },
    { id: 'g2', name: 'Embed', purposeType: 'embed' },
    { id: 'empty', name: 'Empty', purposeType: 'none' },
  ],
  groupBackends: [
    { groupId: 'g1', backendId: 'a' },
    { groupId: 'g2', backendId: 'a' },
    { groupId: 'empty', backendId: 'b' },
  ],
  groupModels: [
    { groupId: 'g1', modelId: '1' },
    { groupId: 'g2', modelId: '2' },
    { groupId: 'g2', modelId: '1' },
  ],
  providerConfigs: [],
  overrides: [],
  healthByBackend: new Map(),
  windowsByBackend: new Map(),
}

describe('declaredSets', () => {
  it('gives every backend every declared model without groups', () => {
    const sets = declaredSets(state, false)
    expect(sets.map((s) => [s.backend.id, s.declared.map((m) => m.id)])).toEqual([
      ['a', ['1', '2', '3']],
      ['b', ['1', '2', '3']],
      ['loner', ['1', '2', '3']],
    ])
  })

  it('with groups, probes only grouped backends, each with the union of its groups models', () => {
    const sets = declaredSets(state, true)
    expect(sets.map((s) => [s.backend.id, s.declared.map((m) => m.id).sort()])).toEqual([
      ['a', ['1', '2']],
      ['b', []],
    ])
  })
})
