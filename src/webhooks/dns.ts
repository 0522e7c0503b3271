import { z } from 'zod'

/** A DNS-over-HTTPS JSON answer (RFC 8484's JSON dialect, as Cloudflare and Google serve it). */
const dohAnswer = z.object({
  Status: z.number(),
  Answer: z.array(z.object({ type: z.number(), data: z.string() })).optional(),
})

const A = 1
const AAAA = 28
const NXDOMAIN = 3

/**
 * Looks a host's A and AAAA records up over DNS-over-HTTPS: a Worker has no resolver of its own
 * to ask. Answers every address (CNAMEs followed by the resolver); none for a name that does not exist.
 */
export function dohResolver(fetcher: typeof fetch, endpoint: string): (host: string) => Promise<string[]> {
  return async (host) => {
    const lookups = [A, AAAA].map(async (type) => {
      const url = new URL(endpoint)
      url.searchParams.set('name', host)
      url.searchParams.set('type', String(type))
      const response = await fetcher(url, { headers: { accept: 'application/dns-json' }, redirect: 'manual' })
      if (!response.ok) throw new Error(`the resolver answered ${response.status}`)
      const answer = dohAnswer.parse(await response.json())
      if (answer.Status === NXDOMAIN) return []
      if (answer.Status !== 0) throw new Error(`the resolver answered DNS status ${answer.Status}`)
      return (answer.Answer ?? []).filter((record) => record.type === type).map((record) => record.data)
    })
    return (await Promise.all(lookups)).flat()
  }
}
