import { sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import type { BackendRuntimeState } from '../src/published/types'
import { READER, adminJson, call, createBackend, fake, readState, resetAll, runScheduled, withDb } from './helpers'

beforeEach(resetAll)

const stored = () =>
  withDb(
    async (db) =>
      (
        await db.execute(
          sql`select provider, model, can_think, can_vision from capability_overrides order by provider collate "C", model collate "C"`,
        )
      ).rows,
  )

const put = (path: string, body: unknown) => adminJson('PUT', `/capability-overrides/${path}`, body)

describe('PUT /capability-overrides/:provider/:model', () => {
  it('stores an override and answers it', async () => {
    const response = await put('openai/gpt-5', { canThink: true })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ provider: 'openai', model: 'gpt-5', canThink: true, canVision: null })
    expect(await stored()).toEqual([{ provider: 'openai', model: 'gpt-5', can_think: true, can_vision: null }])
  })

  it('merges: an absent flag is kept, null clears one flag, and a record with neither is deleted', async () => {
    await put('ollama/qwen3:8b', { canThink: false })
    const vision = await put('ollama/qwen3:8b', { canVision: true })
    expect(await vision.json()).toEqual({ provider: 'ollama', model: 'qwen3:8b', canThink: false, canVision: true })
    const think = await put('ollama/qwen3:8b', { canThink: true })
    expect(await think.json()).toEqual({ provider: 'ollama', model: 'qwen3:8b', canThink: true, canVision: true })
    const clearThink = await put('ollama/qwen3:8b', { canThink: null })
    expect(await clearThink.json()).toEqual({ provider: 'ollama', model: 'qwen3:8b', canThink: null, canVision: true })
    expect(await stored()).toEqual([{ provider: 'ollama', model: 'qwen3:8b', can_think: null, can_vision: true }])
    const clearVision = await put('ollama/qwen3:8b', { canVision: null })
    expect(clearVision.status).toBe(200)
    expect(await clearVision.json()).toEqual({ provider: 'ollama', model: 'qwen3:8b', canThink: null, canVision: null })
    expect(await stored()).toEqual([])
  })

  it('stores nothing for a new record with both flags null', async () => {
    const response = await put('ollama/qwen3:8b', { canThink: null, canVision: null })
    expect(response.status).toBe(200)
    expect(await stored()).toEqual([])
  })

  it('lower-cases and trims the provider, keeps the model case, and takes models with slashes', async () => {
    const openrouter = await put('%20OpenRouter%20/anthropic/Claude-Sonnet-4.5', { canVision: true })
    expect(openrouter.status).toBe(200)
    expect(await openrouter.json()).toEqual({
      provider: 'openrouter',
      model: 'anthropic/Claude-Sonnet-4.5',
      canThink: null,
      canVision: true,
    })
    expect((await put('gemini/models/gemini-2.5-pro', { canThink: true })).status).toBe(200)
    expect(await stored()).toEqual([
      { provider: 'gemini', model: 'models/gemini-2.5-pro', can_think: true, can_vision: null },
      { provider: 'openrouter', model: 'anthropic/Claude-Sonnet-4.5', can_think: null, can_vision: true },
    ])
    // The same key again: merged into the one record, not a second one.
    expect(await (await put('openrouter/anthropic/Claude-Sonnet-4.5', { canThink: false })).json()).toMatchObject({
      canThink: false,
      canVision: true,
    })
    expect(await stored()).toHaveLength(2)
    // A client that percent-encodes the slash (as OpenAPI path parameters are) names the same model.
    const encoded = await put('openrouter/anthropic%2FClaude-Sonnet-4.5', { canThink: true })
    expect(await encoded.json()).toMatchObject({
      model: 'anthropic/Claude-Sonnet-4.5',
      canThink: true,
      canVision: true,
    })
    expect(await stored()).toHaveLength(2)
  })

  it('answers 422 for an unknown provider type and writes nothing', async () => {
    const response = await put('gpt/gpt-5', { canThink: true })
    expect(response.status).toBe(422)
    const { error } = await response.json<{ error: { message: string; param: string } }>()
    expect(error.param).toBe('provider')
    expect(error.message).toContain('provider: provider must be one of ollama, vllm, openai')
    expect(await stored()).toEqual([])
  })

  it.each([
    [{}, 'canThink: give canThink or canVision (true, false, or null to clear)', 'canThink'],
    [{ canThink: 'yes', canVision: 1 }, 'canThink: must be true, false, or null to clear', 'canThink'],
    [{ canVision: 'no' }, 'canVision: must be true, false, or null to clear', 'canVision'],
  ])('answers 422 for %j, naming the field, and writes nothing', async (body, message, param) => {
    const response = await put('openai/gpt-5', body)
    expect(response.status).toBe(422)
    const { error } = await response.json<{ error: { message: string; param: string } }>()
    expect(error.message).toContain(message)
    expect(error.param).toBe(param)
    expect(await stored()).toEqual([])
  })

  it('answers 422 naming the model for one longer than its 512-character column, and writes nothing', async () => {
    const response = await put(`openai/${'m'.repeat(513)}`, { canThink: true })
    expect(response.status).toBe(422)
    const { error } = await response.json<{ error: { message: string; param: string } }>()
    expect(error.param).toBe('model')
    expect(error.message).toContain('model: model must be at most 512 characters')
    expect(await stored()).toEqual([])
    // 512 characters fit.
    expect((await put(`openai/${'m'.repeat(512)}`, { canThink: true })).status).toBe(200)
  })

  it('names both fields when both are bad', async () => {
    const response = await put('openai/gpt-5', { canThink: 'yes', canVision: 1 })
    const { error } = await response.json<{ error: { message: string } }>()
    expect(error.message).toContain('canVision: must be true, false, or null to clear')
  })

  it('answers 404 without a model', async () => {
    expect((await put('openai/', { canThink: true })).status).toBe(404)
    expect((await put('openai', { canThink: true })).status).toBe(404)
    expect(await stored()).toEqual([])
  })

  it('needs the admin token', async () => {
    const send = (headers: Record<string, string>) =>
      call('/capability-overrides/openai/gpt-5', {
        method: 'PUT',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ canThink: true }),
      })
    expect((await send({})).status).toBe(401)
    expect((await send(READER)).status).toBe(403)
    expect((await send({ Authorization: 'Bearer nope' })).status).toBe(403)
    expect(await stored()).toEqual([])
  })
})

describe('DELETE /capability-overrides/:provider/:model', () => {
  it('deletes one override, slashed model names included', async () => {
    await put('openrouter/anthropic/claude-sonnet-4.5', { canThink: true })
    await put('openrouter/anthropic/claude-opus-4.1', { canThink: true })
    const response = await adminJson('DELETE', '/capability-overrides/OpenRouter/anthropic/claude-sonnet-4.5')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ deleted: true })
    expect(await stored()).toEqual([
      { provider: 'openrouter', model: 'anthropic/claude-opus-4.1', can_think: true, can_vision: null },
    ])
  })

  it('answers 404 for an override that does not exist (the model keeps its case)', async () => {
    await put('openai/gpt-5', { canThink: true })
    const response = await adminJson('DELETE', '/capability-overrides/openai/GPT-5')
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({
      error: { code: 'override_not_found', param: 'model', message: 'no capability override for openai model GPT-5' },
    })
    expect(await stored()).toHaveLength(1)
  })

  it('answers 422 for an unknown provider type', async () => {
    const response = await adminJson('DELETE', '/capability-overrides/gpt/gpt-5')
    expect(response.status).toBe(422)
    expect(await response.json()).toMatchObject({ error: { param: 'provider' } })
  })

  it('needs the admin token', async () => {
    await put('openai/gpt-5', { canThink: true })
    expect((await call('/capability-overrides/openai/gpt-5', { method: 'DELETE' })).status).toBe(401)
    expect((await call('/capability-overrides/openai/gpt-5', { method: 'DELETE', headers: READER })).status).toBe(403)
    expect(await stored()).toHaveLength(1)
  })
})

describe('GET /capability-overrides', () => {
  it('answers [] when there are none', async () => {
    const response = await adminJson('GET', '/capability-overrides')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual([])
  })

  it('lists every override by provider, then model in code-point order', async () => {
    await put('openai/gpt-5', { canThink: true })
    await put('ollama/qwen3:8b', { canVision: false })
    await put('openai/GPT-4o', { canVision: true })
    await put('anthropic/claude-3-haiku', { canThink: false, canVision: true })
    await put('openai/gpt-4.1', { canThink: false })
    const response = await adminJson('GET', '/capability-overrides')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual([
      { provider: 'anthropic', model: 'claude-3-haiku', canThink: false, canVision: true },
      { provider: 'ollama', model: 'qwen3:8b', canThink: null, canVision: false },
      { provider: 'openai', model: 'GPT-4o', canThink: null, canVision: true },
      { provider: 'openai', model: 'gpt-4.1', canThink: false, canVision: null },
      { provider: 'openai', model: 'gpt-5', canThink: true, canVision: null },
    ])
  })

  it('needs the admin token', async () => {
    expect((await call('/capability-overrides')).status).toBe(401)
    expect((await call('/capability-overrides', { headers: READER })).status).toBe(403)
  })
})

describe('overrides in the cycle', () => {
  const qwen = async () => {
    const [state] = await readState<BackendRuntimeState[]>()
    return state!.pulledModels.find((m) => m.model === 'qwen3:8b')!
  }

  it('flip think and vision from the next cycle on, and stop when cleared', async () => {
    await createBackend('ollama', 'ollama', fake('ollama', 'ok', 'ov-api-1'))
    await runScheduled()
    expect(await qwen()).toMatchObject({ canThink: true, canVision: false })

    expect((await put('ollama/qwen3:8b', { canThink: false, canVision: true })).status).toBe(200)
    await runScheduled()
    expect(await qwen()).toMatchObject({ canThink: false, canVision: true })

    expect((await put('ollama/qwen3:8b', { canThink: null })).status).toBe(200)
    await runScheduled()
    expect(await qwen()).toMatchObject({ canThink: true, canVision: true })

    expect((await adminJson('DELETE', '/capability-overrides/ollama/qwen3:8b')).status).toBe(200)
    await runScheduled()
    expect(await qwen()).toMatchObject({ canThink: true, canVision: false })
  })
})
