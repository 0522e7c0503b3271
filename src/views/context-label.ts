/**
 * Tokens as people quote them: 128000 and 131072 → `128k`, 1000000 and 1048576 → `1M`; other
 * counts in full (`40,960` stays exact); 0 → `–` (not reported).
 */
export function contextLabel(tokens: number): string {
  if (tokens <= 0) return '–'
  for (const [unit, decimal, binary] of [
    ['M', 1_000_000, 1_048_576],
    ['k', 1000, 1024],
  ] as const) {
    if (tokens >= decimal && tokens % decimal === 0) return `${tokens / decimal}${unit}`
    if (tokens >= binary && tokens % binary === 0) return `${tokens / binary}${unit}`
  }
  return tokens.toLocaleString('en-US')
}
