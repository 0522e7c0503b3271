import { describe, expect, it } from 'vitest'
import publisherModels from '../../../fixtures/providers/vertex/publisher-models.json'
import { VERTEX_BASE_URL_REQUIRED, publisherModelsUrl, vertexEndpoint } from './endpoint'
import { VERTEX_ROWS } from '../../../test/support/expected-rows/vertex-google'
import { isOpenModel, observedFromPublisherModel, parsePublisherModelsPage } from './parse'
import { tableFields } from '../../../test/support/expected-rows/row'

describe('vertex-google parse', () => {
  it('turns the publisher model list into the README rows', () => {
    const page = parsePublisherModelsPage(publisherModels)
    expect(page.nextPageToken).toBeUndefined()
    expect(page.models.map(tableFields)).toEqual(VERTEX_ROWS)
  })

  it('gives open (Model Garden) models no capabilities, whatever their name', () => {
    expect(isOpenModel('THIRD_PARTY_OWNED_OSS')).toBe(true)
    expect(isOpenModel('PROPRIETARY')).toBe(false)
    expect(isOpenModel(undefined)).toBe(false)
    const openEmbed = observedFromPublisherModel({
      name: 'publishers/google/models/embeddinggemma',
      openSourceCategory: 'GOOGLE_OWNED_OSS',
    })
    expect(openEmbed).toMatchObject({ canChat: false, canEmbed: false })
    const chat = observedFromPublisherModel({ name: 'publishers/google/models/gemini-3-pro-preview' })
    expect(chat).toMatchObject({ name: 'gemini-3-pro-preview', canChat: true, canStream: true, canVision: true })
    for (const id of ['lyria-002', 'gemini-2.5-flash-preview-tts', 'nano-banana-pro', 'aqa']) {
      expect(
        observedFromPublisherModel({ name: `publishers/google/models/${id}`, openSourceCategory: 'PROPRIETARY' })
          .canChat,
      ).toBe(false)
    }
  })

  it('names the next page and rejects malformed pages', () => {
    expect(parsePublisherModelsPage({ publisherModels: [], nextPageToken: 'abc' }).nextPageToken).toBe('abc')
    expect(parsePublisherModelsPage({})).toEqual({ models: [], nextPageToken: undefined })
    expect(() => parsePublisherModelsPage({ publisherModels: [{ versionId: '1' }] })).toThrow(
      /decode vertex publisher model list: publisherModels\.0\.name/,
    )
    expect(() => parsePublisherModelsPage({ publisherModels: [{ name: 'publishers/google/models/' }] })).toThrow(
      /has no model id/,
    )
  })
})

describe('vertex-google endpoint', () => {
  it('lists at the host of the inference URL, billing the project it names', () => {
    expect(
      vertexEndpoint('https://us-central1-aiplatform.googleapis.com/v1/projects/my-proj/locations/us-central1'),
    ).toEqual({
      apiRoot: 'https://us-central1-aiplatform.googleapis.com',
      project: 'my-proj',
    })
    expect(
      vertexEndpoint('europe-west4-aiplatform.googleapis.com/v1beta1/projects/p2/locations/europe-west4/'),
    ).toEqual({
      apiRoot: 'https://europe-west4-aiplatform.googleapis.com',
      project: 'p2',
    })
    expect(vertexEndpoint('https://aiplatform.googleapis.com/v1')).toEqual({
      apiRoot: 'https://aiplatform.googleapis.com',
      project: undefined,
    })
  })

  it('keeps a path prefix before the project path (proxies, local fakes)', () => {
    const endpoint = vertexEndpoint(
      'http://127.0.0.1:9999/vertex/ok/x1/v1/projects/rs-test-project/locations/us-central1',
    )
    expect(endpoint).toEqual({ apiRoot: 'http://127.0.0.1:9999/vertex/ok/x1', project: 'rs-test-project' })
    expect(publisherModelsUrl(endpoint.apiRoot, 'tok/en=')).toBe(
      'http://127.0.0.1:9999/vertex/ok/x1/v1beta1/publishers/google/models?pageSize=100&pageToken=tok%2Fen%3D',
    )
  })

  it('refuses an empty base URL with the seed text', () => {
    expect(() => vertexEndpoint('  ')).toThrow(VERTEX_BASE_URL_REQUIRED)
    expect(() => vertexEndpoint('https://')).toThrow(/backend base URL has no host/)
  })
})
