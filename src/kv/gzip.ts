import { type Bytes, utf8 } from './array-view'

/**
 * gzip at publish, so that a large answer can be sent compressed without compressing it on every
 * read. gzip allows members to follow one another (RFC 1952 §2.2): a body made of the stored
 * members of its parts decodes to the parts joined, as HTTP clients (browsers, curl, Node, Go,
 * Python's urllib3) read it.
 */
export async function gzip(bytes: Bytes): Promise<Bytes> {
  const compressed = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'))
  return new Uint8Array(await new Response(compressed).arrayBuffer())
}

const members = new Map<string, Bytes>()

/** A short text as a gzip member of its own (the `[`, `,` and `]` between stored members). */
export async function gzipMember(text: string): Promise<Bytes> {
  let member = members.get(text)
  if (!member) {
    member = await gzip(utf8(text))
    members.set(text, member)
  }
  return member
}
