/** workerd's memory and CPU, from /proc (Linux; without /proc both read as unknown). */
import { readFileSync, readdirSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { CLOCK_TICKS_PER_S, IDLE_CPU_SHARE, MAX_RSS_MIB } from './settings'
import { stopAll } from './stop'

/** Pids of the workerd processes Miniflare started (children of this process). */
export function workerdPids(): number[] {
  const pids: number[] = []
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return pids
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const fields = procStat(Number(entry))
    if (fields && fields.comm.startsWith('workerd') && fields.ppid === process.pid) pids.push(Number(entry))
  }
  return pids
}

export function procStat(pid: number): { comm: string; ppid: number; cpuTicks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const close = stat.lastIndexOf(')')
    const rest = stat.slice(close + 2).split(' ')
    // After the comm: state(3) ppid(4) … utime(14) stime(15), numbered from 1 with pid and comm.
    return {
      comm: stat.slice(stat.indexOf('(') + 1, close),
      ppid: Number(rest[1]),
      cpuTicks: Number(rest[11]) + Number(rest[12]),
    }
  } catch {
    return null
  }
}

export function rssMiB(pids: number[]): number | null {
  let kib = 0
  let found = false
  for (const pid of pids) {
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (match) {
        kib += Number(match[1])
        found = true
      }
    } catch {
      // gone
    }
  }
  return found ? kib / 1024 : null
}

export function cpuTicks(pids: number[]): number | null {
  let ticks = 0
  for (const pid of pids) {
    const stat = procStat(pid)
    if (!stat) return null
    ticks += stat.cpuTicks
  }
  return pids.length > 0 ? ticks : null
}

/** Samples workerd's RSS every 200 ms until stopped; returns the peak (MiB). Calls `over` once past the cap. */
export function sampleRss(pids: number[], over: (mib: number) => void) {
  let peak: number | null = rssMiB(pids)
  let told = false
  const timer = setInterval(() => {
    const now = rssMiB(pids)
    if (now === null) return
    peak = Math.max(peak ?? 0, now)
    if (now > MAX_RSS_MIB && !told) {
      told = true
      over(now)
    }
  }, 200)
  return () => {
    clearInterval(timer)
    const now = rssMiB(pids)
    if (now !== null) peak = Math.max(peak ?? 0, now)
    return peak
  }
}

/** Time until workerd uses under IDLE_CPU_SHARE of a core over 400 ms; null if not within `limitMs` (or unknown). */
export async function idleTime(pids: number[], limitMs: number): Promise<number | null> {
  const started = performance.now()
  let previous = cpuTicks(pids)
  let previousAt = performance.now()
  while (previous !== null && performance.now() - started < limitMs && !stopAll.signal.aborted) {
    await sleep(400)
    const now = cpuTicks(pids)
    const at = performance.now()
    if (now === null) return null
    const share = (now - previous) / CLOCK_TICKS_PER_S / ((at - previousAt) / 1000)
    if (share < IDLE_CPU_SHARE) return at - started
    previous = now
    previousAt = at
  }
  return null
}
