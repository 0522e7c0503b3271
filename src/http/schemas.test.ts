import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ERROR_KINDS } from '../errors/provider-error'
import type { BackendRuntimeState } from '../published/types'
import { backendStateSchema } from './schemas'

// That each schema is exactly its published type is checked by tsc (PublishedSchemasMatch in
// schemas.ts); these check what tsc cannot see: what the schema accepts and what /openapi.json says.

const state: BackendRuntimeState = {
  id: 'b1',
  name: 'gpu-1',
  models: ['llama3'],
  pulledModels: [
    {
      name: 'llama3',
      model: 'llama3',
      contextLength: 8192,
      maxOutputTokens: 0,
      canChat: true,
      canEmbed: false,
      canPrompt: true,
      canStream: true,
      canThink: false,
      canVision: false,
      tools: null,
      modifiedAt: '2026-01-01T00:00:00.000Z',
      size: 4_000_000_000,
      digest: 'sha256:0',
      firstSeenAt: '2026-01-01T00:00:00.000Z',
      observedAt: '2026-01-01T00:00:00.000Z',
      stale: true,
    },
  ],
  backend: {
    id: 'b1',
    name: 'gpu-1',
    baseUrl: 'http://127.0.0.1:11434',
    type: 'ollama',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  },
  status: 'suspect',
  error: 'Ollama at 127.0.0.1:11434: connection refused',
  errorKind: 'network',
  warnings: ['one warning'],
  checkedAt: '2026-01-01T00:00:00.000Z',
  lastSuccessAt: null,
  consecutiveFailures: 3,
  latencyMs: 12,
  uptime: { '1h': 0.5, '24h': 0.9, '7d': null },
  latency24h: { p50Ms: 100, p95Ms: 300 },
  retryAfterUntil: '2026-01-01T00:10:00.000Z',
}

describe('backendStateSchema', () => {
  it('accepts a published state with every field set, dropping nothing', () => {
    expect(backendStateSchema.parse(state)).toEqual(state)
  })

  it('documents the error kinds a state can carry', () => {
    const documented = z.toJSONSchema(backendStateSchema).$defs?.BackendRuntimeState
    expect(documented).toMatchObject({ properties: { errorKind: { enum: [...ERROR_KINDS] } } })
  })
})
