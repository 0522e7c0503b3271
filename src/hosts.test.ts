import { describe, expect, it } from 'vitest'
import { adapters } from './providers'
import { bindingAllows, hostMatches, hostOf, hostPatternProblem } from './hosts'

const matches = (pattern: string, url: string) => hostMatches(pattern, new URL(url))

describe('hostMatches', () => {
  it('matches a host on any port, a host:port on that port only', () => {
    expect(matches('api.openai.com', 'https://api.openai.com/v1')).toBe(true)
    expect(matches('api.openai.com', 'https://api.openai.com:8443/v1')).toBe(true)
    expect(matches('127.0.0.1:8000', 'http://127.0.0.1:8000/v1')).toBe(true)
    expect(matches('127.0.0.1:8000', 'http://127.0.0.1:8001/v1')).toBe(false)
    expect(matches('api.openai.com', 'https://api.openai.com.evil.example/v1')).toBe(false)
    expect(matches('api.openai.com', 'https://evilapi.openai.com/v1')).toBe(false)
  })

  it('takes a URL without a port to be on its scheme default port', () => {
    expect(matches('gpu-1:443', 'https://gpu-1/')).toBe(true)
    expect(matches('gpu-1:80', 'http://gpu-1/')).toBe(true)
    expect(matches('gpu-1:80', 'https://gpu-1/')).toBe(false)
  })

  it('compares names case-insensitively', () => {
    expect(matches('API.OpenAI.com', 'https://api.openai.COM/v1')).toBe(true)
  })

  it('lets * stand for part of one label, never a dot', () => {
    expect(matches('*.example.com', 'https://eu.example.com/')).toBe(true)
    expect(matches('*.example.com', 'https://example.com/')).toBe(false)
    expect(matches('*.example.com', 'https://a.b.example.com/')).toBe(false)
    expect(matches('*-aiplatform.googleapis.com', 'https://us-central1-aiplatform.googleapis.com/')).toBe(true)
    expect(matches('*-aiplatform.googleapis.com', 'https://aiplatform.googleapis.com/')).toBe(false)
    expect(matches('*-aiplatform.googleapis.com', 'https://x.evil-aiplatform.googleapis.com/')).toBe(false)
    expect(matches('bedrock.*.amazonaws.com', 'https://bedrock.us-east-1.amazonaws.com/')).toBe(true)
    expect(matches('bedrock.*.amazonaws.com', 'https://bedrock.evil.example.amazonaws.com/')).toBe(false)
    expect(matches('bedrock.*.amazonaws.com', 'https://bedrock-runtime.us-east-1.amazonaws.com/')).toBe(false)
  })

  it('reads dots in a pattern as dots', () => {
    expect(matches('api.openai.com', 'https://apixopenai.com/')).toBe(false)
  })

  it('matches bracketed IPv6 addresses, with and without a port', () => {
    expect(matches('[::1]', 'http://[::1]:8000/')).toBe(true)
    expect(matches('[::1]:8000', 'http://[::1]:8000/')).toBe(true)
    expect(matches('[::1]:8000', 'http://[::1]:9000/')).toBe(false)
  })
})

describe('bindingAllows', () => {
  it('allows a URL any listed pattern matches, and nothing for an empty list or a bad URL', () => {
    expect(bindingAllows(['a.example', 'b.example:8000'], 'http://b.example:8000/')).toBe(true)
    expect(bindingAllows(['a.example', 'b.example:8000'], 'http://c.example/')).toBe(false)
    expect(bindingAllows([], 'http://a.example/')).toBe(false)
    expect(bindingAllows(['a.example'], 'not a url')).toBe(false)
  })

  it("gives every cloud type's default base URL to its own official hosts", () => {
    for (const adapter of Object.values(adapters)) {
      if (adapter.defaultBaseUrl && adapter.officialHosts.length > 0) {
        expect(bindingAllows(adapter.officialHosts, adapter.defaultBaseUrl)).toBe(true)
      }
    }
    expect(bindingAllows(adapters.bedrock.officialHosts, 'https://bedrock.eu-west-1.amazonaws.com')).toBe(true)
    expect(
      bindingAllows(
        adapters['vertex-google'].officialHosts,
        'https://europe-west4-aiplatform.googleapis.com/v1/projects/p/locations/europe-west4',
      ),
    ).toBe(true)
    expect(adapters.ollama.officialHosts).toEqual([])
    expect(adapters.vllm.officialHosts).toEqual([])
  })
})

describe('hostPatternProblem', () => {
  it.each(['api.openai.com', 'gpu-1', '127.0.0.1:8000', '*.example.com', '[::1]:8000', 'gpu-1.internal:65535'])(
    'accepts %s',
    (pattern) => expect(hostPatternProblem(pattern)).toBeUndefined(),
  )

  it.each([
    ['https://api.openai.com', 'must be a host name'],
    ['api.openai.com/v1', 'must be a host name'],
    ['user@host', 'must be a host name'],
    ['*', 'must be a host name'],
    ['a.*.example.com', 'must be a host name'],
    ['*.com', 'may only wildcard a label below a domain'],
    ['host:0', 'port outside'],
    ['host:70000', 'port outside'],
    ['-bad.example', 'must be a host name'],
    ['', 'must be a host name'],
  ])('refuses %j', (pattern, problem) => expect(hostPatternProblem(pattern)).toContain(problem))
})

describe('hostOf', () => {
  it('names a base URL by host and port, lower case, the default port left out', () => {
    expect(hostOf('HTTP://GPU-1:8000/v1')).toBe('gpu-1:8000')
    expect(hostOf('https://api.openai.com:443/v1')).toBe('api.openai.com')
    expect(hostOf('not a url')).toBe('')
  })
})
