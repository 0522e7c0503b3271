/** The most characters of a provider's error text shown after the status. */
const MAX_ERROR_TEXT = 300

/**
 * Error text as shown after the status: one line (whitespace collapsed, so pretty-printed JSON
 * or a stack trace does not span lines in the snapshot), clipped to 300 characters.
 */
export function clipErrorBody(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim()
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text
}

/**
 * The provider's own message from an error body, for the shapes the providers use:
 * OpenAI / vLLM / OpenRouter `{"error":{"message","code"?}}`, Anthropic
 * `{"type":"error","error":{"type","message"}}`, Ollama and vLLM `{"error":"…"}`, Mistral
 * `{"message"}` / `{"detail"}`, AWS `{"Message"}`, FastAPI `{"detail":[{"msg"}]}`. Other JSON is
 * shown compact, anything else clipped.
 */
export function providerErrorDetail(body: string): string {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return clipErrorBody(body)
  }
  if (!isRecord(json)) return clipErrorBody(JSON.stringify(json))
  const error = json.error
  if (isRecord(error)) {
    const message = text(error.message)
    if (message) {
      if (json.type === 'error' && text(error.type)) return clipErrorBody(`${text(error.type)}: ${message}`)
      const code = text(error.code) ?? text(error.status)
      return clipErrorBody(code ? `${message} (${code})` : message)
    }
  }
  if (text(error)) return clipErrorBody(text(error)!)
  const message = text(json.message) ?? text(json.Message) ?? text(json.detail) ?? fastApiMessage(json.detail)
  return clipErrorBody(message ?? JSON.stringify(json))
}

/** The media type when a body is an HTML page (by its Content-Type or its first tag), else undefined. */
export function htmlPageType(contentType: string | null, body: string): string | undefined {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (mediaType.includes('html')) return mediaType
  if (/^\s*<(!doctype\s+html|html|head|body|title|h1|center|div|p)\b/i.test(body.slice(0, 512))) {
    return mediaType || 'no Content-Type'
  }
  return undefined
}

function fastApiMessage(detail: unknown): string | undefined {
  return Array.isArray(detail) && isRecord(detail[0]) ? text(detail[0].msg) : undefined
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
