import { describe, expect, it } from 'vitest'
import { UptimeChart } from './uptime-chart'

const now = new Date('2026-12-02T12:34:00Z')
const hour = (h: number) => new Date(Date.UTC(2026, 11, 2, h)).toISOString()

async function svg(hours: Parameters<typeof UptimeChart>[0]['hours']): Promise<string> {
  // A hono JSX node's toString() gives a Promise when a component in it is async.
  const node: { toString(): string | Promise<string> } = <UptimeChart hours={hours} now={now} />
  return await node.toString()
}

describe('UptimeChart', () => {
  it('draws one bar per measured hour in the last 24, as tall as its uptime', async () => {
    const html = await svg([
      { hour: hour(10), probes: 4, good: 4 },
      { hour: hour(11), probes: 4, good: 2 },
      { hour: hour(12), probes: 2, good: 0 },
    ])
    const bars = [...html.matchAll(/<rect class="bar (\w+)" data-hour="([^"]+)"[^>]*height="(\d+)"/g)]
    expect(bars.map(([, level, at, height]) => [level, at, Number(height)])).toEqual([
      ['ok', hour(10), 48],
      ['bad', hour(11), 24],
      ['bad', hour(12), 2],
    ])
    expect(html.match(/class="gap"/g)).toHaveLength(21)
    expect(html).toContain('11:00 UTC: 50% up (2 of 4 probes)')
    expect(html).toContain('3 of the last 24 hours measured: 60% up over 10 probes.')
  })

  it('leaves out hours older than 24 and hours with no probes', async () => {
    const html = await svg([
      { hour: hour(12 - 24), probes: 5, good: 5 },
      { hour: hour(12 - 23), probes: 5, good: 5 },
      { hour: hour(5), probes: 0, good: 0 },
    ])
    expect(html.match(/class="bar /g)).toHaveLength(1)
    expect(html).toContain(`data-hour="${hour(12 - 23)}"`)
  })

  it('says so when nothing was measured, and what does not count', async () => {
    const html = await svg([])
    expect(html).not.toContain('class="bar')
    expect(html).toContain(
      'No counted probes in the last 24 hours (a 429, a wait for Retry-After or a missing key does not count).',
    )
  })
})
