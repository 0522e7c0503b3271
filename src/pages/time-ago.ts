/**
 * Times as the pages show them: relative ("3 min ago") for reading at a glance, and absolute in
 * UTC for the tooltip, formatted by hand so neither depends on the machine's locale or zone.
 */

export function timeAgo(iso: string | null, now: Date): string {
  if (iso === null) return 'never'
  const seconds = Math.round((now.getTime() - Date.parse(iso)) / 1000)
  if (Number.isNaN(seconds)) return 'unknown'
  const ahead = seconds < 0
  const s = Math.abs(seconds)
  const amount =
    s < 45
      ? null
      : s < 90 * 60
        ? `${Math.max(1, Math.round(s / 60))} min`
        : s < 36 * 3600
          ? `${Math.round(s / 3600)} h`
          : `${Math.round(s / 86400)} d`
  if (amount === null) return 'just now'
  return ahead ? `in ${amount}` : `${amount} ago`
}

/** `2026-12-02 14:05 UTC`. */
export function utcMinute(iso: string): string {
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** `14:00`, the hour of a rollup. */
export function utcHour(iso: string): string {
  return new Date(iso).toISOString().slice(11, 16)
}

/** 0.9931 → `99.3%`, 0.5 → `50%`; null → `–` (nothing measured). */
export function percent(share: number | null): string {
  if (share === null) return '–'
  return `${(share * 100).toFixed(1).replace(/\.0$/, '')}%`
}
