import { beforeEach, describe, expect, it } from 'vitest'
import { ADMIN, READER, adminJson, call, createBackend, cycleWith, fake, resetAll } from './helpers'

beforeEach(resetAll)

interface EventList {
  events: ({ seq: number; kind: string; backendName: string } & Record<string, unknown>)[]
  next: number
}

async function eventsPage(query: string): Promise<EventList> {
  const response = await call(`/events${query}`, { headers: READER })
  expect(response.status).toBe(200)
  return await response.json<EventList>()
}

/** Every event, read as a poller would: pages of `limit`, each from the previous page's `next`. */
async function pollAll(limit: number, after = 0): Promise<EventList['events']> {
  const seen: EventList['events'] = []
  for (;;) {
    const page = await eventsPage(`?after=${after}&limit=${limit}`)
    seen.push(...page.events)
    if (page.events.length === 0) return seen
    after = page.next
  }
}

const model = (n: number) => `fake-model-${String(n).padStart(7, '0')}`

describe('the change feed', () => {
  it('records exactly the changes of a scripted run of cycles, in seq order, across pages', async () => {
    // many3: models 1–3; then 4 appears; then a 500.
    const a = await createBackend('a', 'vllm', fake('vllm', 'script-many3.many3.many4.many4.500', 'e1'))
    const first = await cycleWith()
    expect(first.events).toBe(1)
    // Nothing changed: no event, and no snapshot write.
    const quiet = await cycleWith()
    expect(quiet).toMatchObject({ events: 0, snapshotWritten: false, publish: { kvWrites: 0 } })
    await cycleWith()
    await cycleWith()
    await cycleWith()
    await createBackend('b', 'vllm', fake('vllm', 'many-1', 'e2'))
    expect((await adminJson('DELETE', `/backends/${a}`)).status).toBe(200)
    await cycleWith()

    const expected = [
      { kind: 'backend.added', backendName: 'a', status: 'healthy', models: [1, 2, 3].map(model) },
      {
        kind: 'model.added',
        backendName: 'a',
        model: model(4),
        contextLength: 4096,
        capabilities: ['chat', 'prompt', 'stream'],
      },
      { kind: 'status.changed', backendName: 'a', from: 'healthy', to: 'down', errorKind: 'bad_status' },
      { kind: 'backend.added', backendName: 'b', status: 'healthy', models: [model(1)] },
      { kind: 'backend.removed', backendName: 'a' },
    ]
    for (const limit of [1, 2, 100]) {
      const events = await pollAll(limit)
      expect(events).toHaveLength(expected.length)
      events.forEach((event, i) => expect(event).toMatchObject(expected[i]!))
      expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((x, y) => x - y))
    }
    // A poller that is up to date sees nothing new, and keeps its cursor.
    const all = await pollAll(100)
    const upToDate = await eventsPage(`?after=${all.at(-1)!.seq}`)
    expect(upToDate).toEqual({ events: [], next: all.at(-1)!.seq })
  })

  it('records no removal for backends a cycle did not check, nor an addition when they are checked again', async () => {
    for (let i = 0; i < 6; i++) await createBackend(`d${i}`, 'vllm', fake('vllm', 'ok', `defer-${i}`))
    await cycleWith()
    // A clock that moves a second at every reading: the 10 s budget runs out after a few probes.
    let ticks = 0
    const start = Date.now()
    const short = await cycleWith({
      env: { CYCLE_BUDGET_MS: '10000', PROBE_CONCURRENCY: '1' },
      now: () => new Date(start + 1000 * ticks++),
    })
    expect(short.deferred).toBeGreaterThan(0)
    await cycleWith()
    const kinds = (await pollAll(100)).map((e) => e.kind)
    expect(kinds).toEqual(Array(6).fill('backend.added'))
  })

  it('answers 410 to a cursor whose events were pruned, and keeps 30 days', async () => {
    await createBackend('old', 'vllm', fake('vllm', 'script-many1.many2.many3', 'e3'))
    const start = Date.parse('2026-10-01T10:00:00.000Z')
    await cycleWith({ now: () => new Date(start) })
    const [added] = (await eventsPage('')).events
    await cycleWith({ now: () => new Date(start + 29 * 86_400_000) })
    expect((await eventsPage(`?after=0`)).events.map((e) => e.kind)).toEqual(['backend.added', 'model.added'])
    // 31 days on, the first cycle's events are past retention.
    await cycleWith({ now: () => new Date(start + 31 * 86_400_000) })
    // A reader that had seen nothing yet (after=0) asks for the pruned backend.added.
    const gone = await call(`/events?after=${added!.seq - 1}`, { headers: READER })
    expect(gone.status).toBe(410)
    expect(await gone.json()).toMatchObject({ error: { code: 'cursor_expired', param: 'after' } })
    // Without a cursor, a reader starts from the oldest event kept.
    const kept = await eventsPage('')
    expect(kept.events[0]!.seq).toBeGreaterThan(added!.seq)
    // A reader that had seen the pruned event is still whole.
    expect((await call(`/events?after=${added!.seq}`, { headers: READER })).status).toBe(200)
  })

  it('refuses a malformed cursor or limit naming it, and answers admins too', async () => {
    for (const [query, param] of [
      ['?after=-1', 'after'],
      ['?after=x', 'after'],
      ['?limit=0', 'limit'],
      ['?limit=1001', 'limit'],
    ] as const) {
      const response = await call(`/events${query}`, { headers: READER })
      expect(response.status).toBe(422)
      expect((await response.json<{ error: { param: string } }>()).error.param).toBe(param)
    }
    expect((await call('/events', { headers: ADMIN })).status).toBe(200)
    expect((await call('/events')).status).toBe(401)
  })
})
