import { percent, utcHour } from './time-ago'

/**
 * One measured hour: the probes that count in uptime (reconcile/windows.ts uptimeSample), and those
 * of them that ended healthy or degraded.
 */
export interface HourBar {
  hour: string
  probes: number
  good: number
}

const HOURS = 24
const SLOT = 12
const BAR_WIDTH = 9
const PLOT_HEIGHT = 48
const TOP = 4
const HEIGHT = TOP + PLOT_HEIGHT + 16
const HOUR_MS = 3600_000

function level(share: number): 'ok' | 'warn' | 'bad' {
  return share >= 0.99 ? 'ok' : share >= 0.9 ? 'warn' : 'bad'
}

/**
 * The last 24 hours up to `now`'s hour, one slot per hour: a bar as tall as the hour's uptime
 * where probes ran, a flat mark where none did. Drawn here as SVG, so the browser gets no chart
 * code; each bar's title says its hour and numbers, and the summary says them in words.
 */
export function UptimeChart({ hours, now }: { hours: readonly HourBar[]; now: Date }) {
  const lastHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS
  const firstHour = lastHour - (HOURS - 1) * HOUR_MS
  const byHour = new Map(hours.map((h) => [Math.floor(Date.parse(h.hour) / HOUR_MS) * HOUR_MS, h]))
  const measured = [...byHour].filter(([at, h]) => at >= firstHour && at <= lastHour && h.probes > 0)
  const probes = measured.reduce((sum, [, h]) => sum + h.probes, 0)
  const good = measured.reduce((sum, [, h]) => sum + h.good, 0)
  const summary =
    measured.length === 0
      ? 'No counted probes in the last 24 hours (a 429, a wait for Retry-After or a missing key does not count).'
      : `${measured.length} of the last 24 hours measured: ${percent(good / probes)} up over ${probes} probes.`
  const slots = Array.from({ length: HOURS }, (_, i) => firstHour + i * HOUR_MS)
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${HOURS * SLOT} ${HEIGHT}`}
        role="img"
        aria-labelledby="uptime-title uptime-desc"
        preserveAspectRatio="none"
      >
        <title id="uptime-title">Uptime per hour, last 24 hours</title>
        <desc id="uptime-desc">{summary}</desc>
        {slots.map((at, i) => {
          const hour = byHour.get(at)
          const x = i * SLOT + (SLOT - BAR_WIDTH) / 2
          if (!hour || hour.probes === 0) {
            return <rect class="gap" x={x} y={TOP + PLOT_HEIGHT - 1} width={BAR_WIDTH} height={1} />
          }
          const share = hour.good / hour.probes
          const height = Math.max(2, Math.round(share * PLOT_HEIGHT))
          return (
            <rect
              class={`bar ${level(share)}`}
              data-hour={new Date(at).toISOString()}
              x={x}
              y={TOP + PLOT_HEIGHT - height}
              width={BAR_WIDTH}
              height={height}
            >
              <title>{`${utcHour(new Date(at).toISOString())} UTC: ${percent(share)} up (${hour.good} of ${hour.probes} probes)`}</title>
            </rect>
          )
        })}
        <text x={0} y={HEIGHT - 2} class="axis">
          {`${utcHour(new Date(firstHour).toISOString())} (23 h ago)`}
        </text>
        <text x={HOURS * SLOT} y={HEIGHT - 2} class="axis" text-anchor="end">
          {`${utcHour(new Date(lastHour).toISOString())} UTC (this hour)`}
        </text>
      </svg>
      <figcaption>{summary}</figcaption>
    </figure>
  )
}
