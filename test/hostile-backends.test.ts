import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import type { BackendRuntimeState } from '../src/published/types'
import { adminJson, createBackend, fake, fakeCalls, resetAll, runScheduled, stateOf } from './helpers'

const KEY = 'sk-test-Hq7ZmX2pLw9VbK4tRc8NQRST'
const FAKES = new URL(env.FAKE_PROVIDERS_URL)

beforeEach(resetAll)

/** Binds the key to that one backend's host, as an operator configuring it would. */
async function configureKey(type: string, backendId: string) {
  const response = await adminJson('POST', `/providers/${type}/configure`, { apiKey: KEY, backendId })
  expect(response.status).toBe(200)
}

/** One cron cycle over the given backend plus a healthy vLLM, which must come out healthy. */
async function cycleWith(
  type: string,
  baseUrl: string,
  options: { key?: boolean; settings?: Record<string, string> } = {},
) {
  const id = await createBackend('hostile', type, baseUrl)
  await createBackend('healthy', 'vllm', fake('vllm', 'ok', `healthy-${id}`))
  if (options.key) await configureKey(type, id)
  const started = Date.now()
  await runScheduled(options.settings)
  // A deadline check, not a speed measure: whatever the backend does, the cycle ends.
  expect(Date.now() - started).toBeLessThan(Number(env.PROBE_TIMEOUT_MS) + 2_500)
  expect(await stateOf('healthy')).toMatchObject({ status: 'healthy', models: ['qwen3-8b', 'sql-lora'] })
  return { id, state: await stateOf('hostile') }
}

const expectDown = (state: BackendRuntimeState, errorKind: string, error: string | RegExp) => {
  expect(state).toMatchObject({ status: 'down', errorKind, models: [] })
  if (typeof error === 'string') expect(state.error).toBe(error)
  else expect(state.error).toMatch(error)
}

describe('a backend that sends too much', () => {
  it('fails past MAX_RESPONSE_BYTES on a 60 MB valid vLLM list, without reading it all', async () => {
    const { state } = await cycleWith('vllm', fake('vllm', 'huge-60', 'big'))
    expectDown(state, 'bad_payload', 'vLLM catalog response larger than 8 MiB (MAX_RESPONSE_BYTES)')
  })

  it('fails the same way on a 60 MB OpenAI list', async () => {
    const { state } = await cycleWith('openai', `${fake('openai', 'huge-60', 'big-oa')}/v1`, { key: true })
    expectDown(state, 'bad_payload', 'OpenAI catalog response larger than 8 MiB (MAX_RESPONSE_BYTES)')
  })

  it('fails past MAX_RESPONSE_BYTES on a huge body that is not JSON', async () => {
    const { state } = await cycleWith('vllm', fake('vllm', 'junk-20', 'junk'))
    expectDown(state, 'bad_payload', 'vLLM catalog response larger than 8 MiB (MAX_RESPONSE_BYTES)')
  })

  it('keeps the first MAX_MODELS_PER_BACKEND models by id, with a warning', async () => {
    const { state } = await cycleWith('vllm', fake('vllm', 'many-120', 'many'), {
      settings: { MAX_MODELS_PER_BACKEND: '50' },
    })
    expect(state.status).toBe('degraded')
    expect(state.warnings).toEqual(['listed 120 models; kept the first 50 by id (MAX_MODELS_PER_BACKEND)'])
    const expected = Array.from({ length: 50 }, (_, i) => `fake-model-${String(i + 1).padStart(7, '0')}`)
    expect(state.models).toEqual(expected)
  })
})

describe('a backend that never finishes', () => {
  it('times out on headers followed by silence', async () => {
    const { state } = await cycleWith('vllm', fake('vllm', 'stall', 'stall'))
    expectDown(state, 'timeout', `vLLM did not answer within ${env.PROBE_TIMEOUT_MS} ms`)
  })

  it('times out on a body that drips a few bytes every 200 ms forever', async () => {
    const { state } = await cycleWith('vllm', fake('vllm', 'drip', 'drip'))
    expectDown(state, 'timeout', `vLLM did not answer within ${env.PROBE_TIMEOUT_MS} ms`)
  })
})

describe('network failures, named', () => {
  it('a name that does not resolve', async () => {
    const { state } = await cycleWith('vllm', 'http://does-not-exist.invalid')
    expectDown(state, 'network', 'vLLM catalog unreachable: DNS lookup failed for does-not-exist.invalid')
  })

  it('a port nobody listens on', async () => {
    const { state } = await cycleWith('vllm', 'http://127.0.0.1:1')
    expectDown(
      state,
      'network',
      'vLLM catalog unreachable: connection refused by 127.0.0.1:1, or closed before it answered',
    )
  })

  it('a server that closes the connection before answering', async () => {
    const { state } = await cycleWith('vllm', fake('vllm', 'drop', 'drop'))
    expectDown(
      state,
      'network',
      `vLLM catalog unreachable: connection refused by ${FAKES.host}, or closed before it answered`,
    )
  })

  it('TLS to a server that speaks plain HTTP', async () => {
    const { state } = await cycleWith('vllm', `https://${FAKES.host}/vllm/ok/tls`)
    expectDown(state, 'network', `vLLM catalog unreachable: TLS handshake failed with ${FAKES.host}`)
  })

  it('a reset in the middle of the body', async () => {
    const { state } = await cycleWith('vllm', fake('vllm', 'reset', 'reset'))
    expectDown(
      state,
      'network',
      `vLLM catalog answer cut off: connection reset by ${FAKES.host} in the middle of the body`,
    )
  })
})

describe('a backend that misleads', () => {
  it('repeats its cursor: stopped at the second page', async () => {
    const { state } = await cycleWith('openai', `${fake('openai-same-cursor', 'ok', 'loop')}/v1`, { key: true })
    expectDown(state, 'bad_payload', 'OpenAI catalog repeated the page after gpt-loop')
    expect(await fakeCalls('/openai-same-cursor/ok/loop/')).toHaveLength(2)
  })

  it('redirects to another origin: not followed, the key never sent there', async () => {
    const { state } = await cycleWith('vllm', fake('vllm', 'redirect-other', 'away'), { key: true })
    expectDown(
      state,
      'bad_status',
      `vLLM catalog returned 302 redirecting to another origin: not followed ` +
        `(a backend and its credential stay on ${FAKES.origin})`,
    )
    expect(await fakeCalls('/vllm/ok/away/')).toEqual([])
  })

  it('redirects on its own origin: followed, with the key', async () => {
    const { state } = await cycleWith('vllm', fake('vllm', 'redirect-same', 'moved'), { key: true })
    expect(state).toMatchObject({ status: 'healthy', models: ['qwen3-8b', 'sql-lora'] })
    expect(await fakeCalls('/vllm/ok/moved/')).toMatchObject([{ authorized: true }])
  })

  it('redirects forever: given up after a few', async () => {
    const { state } = await cycleWith('vllm', fake('vllm', 'redirect-loop', 'loop'))
    expectDown(state, 'bad_status', 'vLLM catalog redirected more than 3 times')
  })

  it('answers an HTML page: said so, no page text', async () => {
    const { state } = await cycleWith('vllm', fake('vllm', 'html', 'page'))
    expectDown(
      state,
      'bad_payload',
      'decode vLLM catalog response: the server answered an HTML page (text/html), not JSON',
    )
  })
})

describe('a backend that stays down with a fresh request id every time', () => {
  it('is published once, not on every cycle', async () => {
    await createBackend('hostile', 'vllm', fake('vllm', 'requestid', 'rq'))
    await createBackend('healthy', 'vllm', fake('vllm', 'ok', 'healthy-rq'))
    const first = await adminJson('POST', '/setup/refresh')
    expect(await first.json()).toMatchObject({ outcome: 'ok', snapshotWritten: true })
    expectDown(
      await stateOf('hostile'),
      'bad_status',
      /^vLLM catalog returned 500: The server had an error .*req_[0-9a-f]{24}/,
    )

    const second = await adminJson('POST', '/setup/refresh')
    expect(await second.json()).toMatchObject({ outcome: 'ok', snapshotWritten: false })
  })
})
