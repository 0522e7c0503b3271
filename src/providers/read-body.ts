/** A body read up to a byte limit: its text and size, or that it went past the limit (then the text is empty). */
export interface CappedBody {
  text: string
  bytes: number
  overLimit: boolean
}

/**
 * Reads a body as a stream, counting bytes, and stops (cancelling the rest) once `limit` is
 * passed, so a huge or endless body never sits in memory whole. `signal` cuts short a body that
 * stalls or drips: the read rejects with the signal's reason even if the stream ignores it.
 */
export async function readCapped(response: Response, limit: number, signal: AbortSignal): Promise<CappedBody> {
  if (response.body === null) return { text: '', bytes: 0, overLimit: false }
  // A response's body is bytes (typed ReadableStream<any>).
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const declared = Number(response.headers.get('Content-Length') ?? Number.NaN)
  if (declared > limit) {
    await reader.cancel().catch(() => {})
    return { text: '', bytes: declared, overLimit: true }
  }
  // Bytes are kept as they come and decoded once at the end: a body past the limit costs only
  // the counting, never the decoding of what is then thrown away.
  const chunks: Uint8Array[] = []
  let bytes = 0
  const overLimit = await untilAborted(signal, reader, async () => {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return false
      bytes += value.byteLength
      if (bytes > limit) return true
      chunks.push(value)
    }
  })
  if (overLimit) {
    await reader.cancel().catch(() => {})
    return { text: '', bytes, overLimit: true }
  }
  return { text: decodeAll(chunks, bytes), bytes, overLimit: false }
}

function decodeAll(chunks: Uint8Array[], bytes: number): string {
  if (chunks.length === 1) return new TextDecoder().decode(chunks[0])
  const whole = new Uint8Array(bytes)
  let offset = 0
  for (const chunk of chunks) {
    whole.set(chunk, offset)
    offset += chunk.byteLength
  }
  return new TextDecoder().decode(whole)
}

/** The first `limit` bytes of a body (an error page, say) as text; the rest is cancelled unread. */
export async function readPrefix(response: Response, limit: number, signal: AbortSignal): Promise<string> {
  if (response.body === null) return ''
  // A response's body is bytes (typed ReadableStream<any>).
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  const parts: string[] = []
  let bytes = 0
  await untilAborted(signal, reader, async () => {
    while (bytes < limit) {
      const { done, value } = await reader.read()
      if (done) return
      const chunk = value.byteLength > limit - bytes ? value.subarray(0, limit - bytes) : value
      bytes += chunk.byteLength
      parts.push(decoder.decode(chunk, { stream: true }))
    }
  })
  await reader.cancel().catch(() => {})
  parts.push(decoder.decode())
  return parts.join('')
}

/** Runs `work`, failing with the signal's reason the moment it aborts; the stream is cancelled on any failure. */
async function untilAborted<T>(
  signal: AbortSignal,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  work: () => Promise<T>,
): Promise<T> {
  let onAbort = () => {}
  const aborted = new Promise<never>((_, reject) => {
    // Fails as fetch does: with the signal's reason, whatever the aborter gave.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    onAbort = () => reject(signal.reason ?? new DOMException('The operation was aborted', 'AbortError'))
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  aborted.catch(() => {})
  try {
    return await Promise.race([work(), aborted])
  } catch (error) {
    reader.cancel().catch(() => {})
    throw error
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/** 8388608 → "8 MiB", 65536 → "64 KiB", 1500000 → "1.4 MiB". */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [1024 * 1024 * 1024, 'GiB'],
    [1024 * 1024, 'MiB'],
    [1024, 'KiB'],
  ]
  for (const [size, unit] of units) {
    if (bytes >= size) {
      const value = bytes / size
      return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`
    }
  }
  return `${bytes} bytes`
}
