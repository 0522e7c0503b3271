/** How figures are printed. */

export const fmtBytes = (bytes: number) =>
  bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`
export const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`)
export const fmtRatio = (value: number) =>
  !Number.isFinite(value)
    ? '—'
    : value > 0 && value < 0.001
      ? '< 0.001×'
      : `${value > 0 && value < 0.1 ? value.toFixed(3) : value.toFixed(2)}×`
export const fmtRps = (rps: number) => (rps >= 100 ? String(Math.round(rps)) : rps.toFixed(1))
export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length === 0 ? null : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
export const fmtShare = (share: number | null) => (share === null ? '?' : `${(share * 100).toFixed(1)}%`)
