import { ProviderError } from '../../errors/provider-error'

/** Prefix of every listing failure, as the Go service wrapped them, so its readers' matching still works. */
export const VERTEX_ERROR_PREFIX = 'vertex-google list models'

/** The error of a backend without a base URL, word for word as the Go service said it. */
export const VERTEX_BASE_URL_REQUIRED =
  'vertex-google backend requires --url with project and location, e.g. https://us-central1-aiplatform.googleapis.com/v1/projects/MY_PROJECT/locations/us-central1'

/** A page of 100, as the seed asks. */
export const VERTEX_PAGE_SIZE = 100

export interface VertexEndpoint {
  /** Scheme + host (+ any path before the API version), e.g. `https://us-central1-aiplatform.googleapis.com`. */
  apiRoot: string
  /** The quota/billing project named in the base URL path (`/projects/<p>/`), if any. */
  project: string | undefined
}

/**
 * Where to list, from the backend's inference base URL
 * `https://<region>-aiplatform.googleapis.com/v1/projects/<p>/locations/<region>`: the publisher
 * list is not under the project path, so everything before `/v1/projects/` (or `/projects/`) is
 * the API root. A path prefix before it is kept, so a proxy or a local fake works too.
 */
export function vertexEndpoint(baseUrl: string): VertexEndpoint {
  const trimmed = baseUrl.trim()
  if (!trimmed) throw new ProviderError('unconfigured', VERTEX_BASE_URL_REQUIRED)
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw new ProviderError('unconfigured', `${VERTEX_ERROR_PREFIX}: backend base URL has no host`)
  }
  if (!url.host) throw new ProviderError('unconfigured', `${VERTEX_ERROR_PREFIX}: backend base URL has no host`)
  const path = url.pathname.replace(/\/+$/, '')
  const match = /^(.*?)(?:\/v1(?:beta1)?)?\/projects\/([^/]+)(?:\/|$)/.exec(path)
  const prefix = match ? match[1]! : path.replace(/\/v1(?:beta1)?$/, '')
  const project = match ? decodeURIComponent(match[2]!) : undefined
  return { apiRoot: `${url.protocol}//${url.host}${prefix}`, project: project || undefined }
}

/** `<root>/v1beta1/publishers/google/models?pageSize=100[&pageToken=…]`, the token URL-encoded. */
export function publisherModelsUrl(apiRoot: string, pageToken?: string): string {
  const query = `pageSize=${VERTEX_PAGE_SIZE}${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`
  return `${apiRoot}/v1beta1/publishers/google/models?${query}`
}
