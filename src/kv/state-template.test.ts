import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { backendState, servedModel } from '../../test/support/published'
import type { BackendRuntimeState } from '../published/types'
import { fleet } from '../../test/support/fleet-arbitrary'
import { decodeArrayView, element, elementRange, jsonJoin } from './array-view'
import { cutMember, cutState, fillTemplate } from './state-template'
import { type TemplateHeader, encodeTemplates, fillShard, spliceElement, spliceRange } from './template-view'

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/** States whose fields come in any order, with extra and undefined ones, and models of any shape. */
const oddState = fc
  .record({
    order: fc.shuffledSubarray(
      ['id', 'checkedAt', 'name', 'error', 'pulledModels', 'latencyMs', 'status', 'uptime', 'extra', 'warnings'],
      { minLength: 1 },
    ),
    models: fc.array(
      fc.oneof(
        fc.record({ model: fc.string(), observedAt: fc.oneof(fc.string(), fc.constant(undefined)), n: fc.integer() }),
        fc.constant(null),
        fc.string(),
      ),
      { maxLength: 4 },
    ),
    value: fc.oneof(fc.string(), fc.integer(), fc.constant(undefined), fc.array(fc.string({ unit: 'grapheme' }))),
  })
  .map(({ order, models, value }) => {
    const state: Record<string, unknown> = {}
    for (const key of order) state[key] = key === 'pulledModels' ? models : value
    return state as unknown as BackendRuntimeState
  })

describe('a state cut into a template and moving values', () => {
  it('fills back to exactly JSON.stringify(state)', () => {
    fc.assert(
      fc.property(fleet, (states) => {
        for (const state of states) {
          const { template, moving } = cutState(state)
          expect(fillTemplate(template, moving)).toBe(JSON.stringify(state))
        }
      }),
    )
    fc.assert(
      fc.property(oddState, (state) => {
        const { template, moving } = cutState(state)
        expect(fillTemplate(template, moving)).toBe(JSON.stringify(state))
      }),
      { numRuns: 500 },
    )
  })

  it('keeps timestamps, counters, windows, error wording and observedAt out of the template', () => {
    const at = (time: string) =>
      backendState('b1', {
        status: 'suspect',
        error: `timed out after ${time.length} ms`,
        errorKind: 'timeout',
        checkedAt: time,
        lastSuccessAt: time,
        latencyMs: time.length,
        pulledModels: [servedModel('m1', { observedAt: time }), servedModel('m2', { observedAt: time })],
      })
    const a = cutState(at('2026-12-01T00:00:00.000Z'))
    const b = cutState(at('2026-12-01T00:05:00.000Z!'))
    expect(b.template).toEqual(a.template)
    expect(a.moving.observedAt).toEqual(['2026-12-01T00:00:00.000Z'])
    expect(a.template.parts.join('')).not.toContain('2026-12-01')
  })

  it('cuts one member out of an object', () => {
    const entry = { backendId: 'b', observedAt: 'é', stale: false }
    const cut = cutMember(entry, 'observedAt')!
    expect(cut.before + JSON.stringify('é') + cut.after).toBe(JSON.stringify(entry))
    expect(cutMember({ a: 1 }, 'observedAt')).toBeNull()
  })
})

describe('a shard of templates', () => {
  it('splices to the JSON of its states, by element, by range and whole, whatever their characters', () => {
    fc.assert(
      fc.property(fleet, fc.nat(), fc.nat(), (states, a, b) => {
        const cuts = states.map(cutState)
        const view = decodeArrayView<TemplateHeader>(encodeTemplates(cuts.map((c) => c.template)))
        const from = states.length === 0 ? 0 : a % states.length
        const to = from + (states.length === 0 ? 0 : b % (states.length - from + 1))
        expect(text(jsonJoin([spliceRange(view, from, to, (i) => cuts[i]!.moving)]))).toBe(
          JSON.stringify(states.slice(from, to)),
        )
        const filled = fillShard(view, (i) => cuts[i]!.moving)
        expect(text(jsonJoin([elementRange(filled, from, to)]))).toBe(JSON.stringify(states.slice(from, to)))
        states.forEach((state, i) => {
          expect(text(spliceElement(view, i, cuts[i]!.moving))).toBe(JSON.stringify(state))
          expect(text(element(filled, i))).toBe(JSON.stringify(state))
        })
      }),
    )
  })
})
