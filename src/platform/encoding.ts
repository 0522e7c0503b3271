/**
 * Bytes as text: hex, base64 and base64url (the URL-safe alphabet, unpadded), with the runtime's own
 * `btoa`/`atob`. Text given where bytes are wanted is its UTF-8.
 */

type Bytes = string | ArrayBuffer | Uint8Array

function bytesOf(data: Bytes): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data)
  return data instanceof Uint8Array ? data : new Uint8Array(data)
}

/** Lower-case hex, two digits a byte. */
export function hex(data: Bytes): string {
  return Array.from(bytesOf(data), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Standard base64, padded. */
export function base64(data: Bytes): string {
  // One byte at a time: spreading a large array into String.fromCharCode overflows the stack.
  let binary = ''
  for (const byte of bytesOf(data)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** Standard base64 back to bytes; throws on a character outside the alphabet. */
export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
}

/** base64url without padding, as JWTs and URLs carry it. */
export function base64url(data: Bytes): string {
  return base64(data).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** base64url (padded or not) back to bytes; throws when it is not base64url. */
export function fromBase64url(text: string): Uint8Array {
  return fromBase64(text.replace(/-/g, '+').replace(/_/g, '/'))
}
