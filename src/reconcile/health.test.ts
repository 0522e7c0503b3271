import { describe, expect, it } from 'vitest'
import type { BackendRecord } from '../published/types'
import { type ProbedState, withLastAnswer } from './health'

const backend: BackendRecord = {
  id: 'b1',
  name: 'busy',
  baseUrl: 'http://busy:8000',
  type: 'vllm',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
}

/** What observing gives a backend it did not ask because of its Retry-After. */
const waiting: ProbedState = {
  id: 'b1',
  name: 'busy',
  models: [],
  pulledModels: [],
  backend,
  status: 'degraded',
  error: 'vLLM: not asked before 2026-01-01T00:10:00.000Z, as its Retry-After asked',
  errorKind: 'rate_limited',
  checkedAt: '2026-01-01T00:05:00.000Z',
  lastSuccessAt: null,
  consecutiveFailures: 0,
  latencyMs: 0,
}

describe('withLastAnswer', () => {
  it("keeps the error and kind a waiting backend was last published with, the provider's own", () => {
    const kept = withLastAnswer(waiting, { error: 'vLLM catalog returned 503: busy', errorKind: 'bad_status' })
    expect(kept).toEqual({ ...waiting, error: 'vLLM catalog returned 503: busy', errorKind: 'bad_status' })
  })

  it("keeps the wait's own wording when nothing published says otherwise", () => {
    expect(withLastAnswer(waiting, undefined)).toBe(waiting)
    expect(withLastAnswer(waiting, {})).toBe(waiting)
  })
})
