import { clipErrorBody } from '../http'
/**
 * What Gemini and Vertex AI share: Google's vision allow-list (name rules, the fallback where the catalog does not know a model) and the Google
 * JSON error envelope `{"error":{"code","message","status","details":[{"reason"}]}}`.
 */

const NO_VISION_MARKERS = ['embedding', 'tts', 'live-translate', 'lyria', 'veo', 'imagen', 'aqa']
const VISION_PREFIXES = ['gemini-1.5', 'gemini-2.0', 'gemini-2.5', 'gemini-3', 'gemini-pro-vision']

/**
 * Whether a Google model accepts image input, judged on the part of the name after its last `/`
 * (`models/gemini-2.5-pro`, `publishers/google/models/gemini-2.5-pro`). Callers gate it on chat.
 */
export function googleSupportsVision(name: string): boolean {
  const id = (name.trim().toLowerCase().split('/').at(-1) ?? '').trim()
  if (NO_VISION_MARKERS.some((marker) => id.includes(marker))) return false
  return VISION_PREFIXES.some((prefix) => id.startsWith(prefix))
}

export interface GoogleError {
  /** Text for the operator: `<message> (<STATUS>, <REASON>…)`, or the trimmed raw body. */
  detail: string
  /** `details[].reason` values, e.g. API_KEY_INVALID, USER_PROJECT_DENIED. */
  reasons: string[]
}

/**
 * Reads a Google API error body: the JSON envelope, the OAuth token endpoint's
 * `{"error":"invalid_grant","error_description":…}`, or anything else (trimmed as is).
 */
export function readGoogleError(body: string): GoogleError {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return { detail: clipErrorBody(body.trim()), reasons: [] }
  }
  const error = (json as { error?: unknown } | null)?.error
  if (error && typeof error === 'object') {
    const { message, status, details } = error as { message?: unknown; status?: unknown; details?: unknown }
    const reasons = Array.isArray(details)
      ? details.flatMap((d) => {
          const reason = (d as { reason?: unknown } | null)?.reason
          return typeof reason === 'string' ? [reason] : []
        })
      : []
    const tags = [...(typeof status === 'string' ? [status] : []), ...reasons]
    const text = typeof message === 'string' && message.trim() ? message.trim() : JSON.stringify(error)
    return { detail: clipErrorBody(tags.length > 0 ? `${text} (${tags.join(', ')})` : text), reasons }
  }
  if (typeof error === 'string') {
    const description = (json as { error_description?: unknown }).error_description
    return {
      detail: clipErrorBody(typeof description === 'string' && description ? `${error}: ${description}` : error),
      reasons: [error],
    }
  }
  return { detail: clipErrorBody(body.trim()), reasons: [] }
}
