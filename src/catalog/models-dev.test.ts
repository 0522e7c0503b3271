import { describe, expect, it } from 'vitest'
import catalogJson from '../../fixtures/catalog/models-dev-api.json'
import { CatalogFormatError, catalogClaims, parseCatalog } from './models-dev'

describe('parseCatalog', () => {
  it('keeps only the wanted providers, every model of them', () => {
    const parsed = parseCatalog(catalogJson, ['openai', 'amazon-bedrock', 'not-in-it'])
    expect(parsed.map((p) => [p.id, Object.keys(p.models).length])).toEqual([
      ['openai', 51],
      ['amazon-bedrock', 105],
    ])
  })

  it('drops the fields this service does not publish', () => {
    const [openai] = parseCatalog(catalogJson, ['openai'])
    expect(Object.keys(openai!.models['gpt-5']!).sort()).toEqual(
      [
        'attachment',
        'cost',
        'family',
        'knowledge',
        'limit',
        'modalities',
        'reasoning',
        'release_date',
        'structured_output',
        'tool_call',
      ].sort(),
    )
  })

  it('fails on a malformed wanted provider, naming where', () => {
    const broken = structuredClone(catalogJson) as Record<string, { models: Record<string, Record<string, unknown>> }>
    broken.openai!.models['gpt-4o']!.limit = { context: -1 }
    expect(() => parseCatalog(broken, ['openai'])).toThrow(/openai\.models\.gpt-4o\.limit\.context/)
    expect(() => parseCatalog(broken, ['anthropic'])).not.toThrow()
    expect(() => parseCatalog([1, 2], ['openai'])).toThrow(CatalogFormatError)
  })

  it("never reads a provider from the object's prototype", () => {
    expect(parseCatalog(catalogJson, ['constructor', 'toString', '__proto__', 'hasOwnProperty'])).toEqual([])
  })
})

describe('catalogClaims', () => {
  it('reads vision from image input and lifecycle from status', () => {
    const providers = parseCatalog(catalogJson, Object.keys(catalogJson))
    const models = providers.flatMap((p) => Object.values(p.models))
    const deprecated = models.filter((m) => m.status === 'deprecated')
    expect(deprecated).toHaveLength(28)
    expect(catalogClaims(deprecated[0]!, { embedding: false }).lifecycle).toEqual([
      { value: { status: 'deprecated', date: null }, source: 'catalog' },
    ])
    const bedrock = providers.find((p) => p.id === 'amazon-bedrock')!
    const claims = catalogClaims(bedrock.models['amazon.nova-pro-v1:0']!, { embedding: false })
    expect(claims['capabilities.vision']).toEqual([{ value: true, source: 'catalog' }])
    expect(claims.lifecycle).toEqual([{ value: { status: 'active', date: null }, source: 'catalog' }])
  })
})
