/**
 * 32-bit FNV-1a over UTF-16 code units, unsigned: fast and well spread, enough to place chunk cuts
 * or name a version of a file; not for security.
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return hash >>> 0
}
