/**
 * OpenAI's list gives only ids, so capabilities come from the id (the Go service's rules, kept verbatim
 * so results match the Go service).
 */
export interface OpenAICapabilities {
  canChat: boolean
  canEmbed: boolean
  canPrompt: boolean
  canStream: boolean
}

const NONE: OpenAICapabilities = { canChat: false, canEmbed: false, canPrompt: false, canStream: false }
const CHAT: OpenAICapabilities = { canChat: true, canEmbed: false, canPrompt: true, canStream: true }

export function openAICapabilities(id: string): OpenAICapabilities {
  const name = id.toLowerCase()
  if (name.startsWith('text-embedding-')) return { ...NONE, canEmbed: true }
  if (name.includes('-instruct') || name.startsWith('davinci-') || name.startsWith('babbage-')) {
    return { ...NONE, canPrompt: true }
  }
  if (
    ['dall-e-', 'sora-', 'chatgpt-image-', 'gpt-image-'].some((p) => name.startsWith(p)) ||
    name.includes('-image-')
  ) {
    return NONE
  }
  if (
    ['tts-', 'whisper-', 'gpt-audio', 'gpt-realtime', 'omni-'].some((p) => name.startsWith(p)) ||
    name.endsWith('-tts') ||
    ['-tts-', '-audio-', '-realtime-', '-transcribe'].some((s) => name.includes(s))
  ) {
    return NONE
  }
  return CHAT
}

const NO_VISION_MARKERS = [
  'embedding',
  'tts',
  'whisper',
  'transcribe',
  '-audio',
  'realtime',
  'dall-e',
  'sora',
  'gpt-image',
  'moderation',
  '-search',
]
const TEXT_ONLY_PREFIXES = ['gpt-3.5', 'gpt-4-turbo-preview', 'o1-mini', 'o1-preview', 'o3-mini']
const VISION_PREFIXES = ['gpt-5', 'gpt-4o', 'gpt-4.1', 'gpt-4-turbo', 'chatgpt-4o', 'o1', 'o3', 'o4', 'computer-use']

export function openAISupportsVision(id: string): boolean {
  const name = id.trim().toLowerCase()
  if (NO_VISION_MARKERS.some((m) => name.includes(m))) return false
  if (name.includes('vision-preview')) return true
  if (TEXT_ONLY_PREFIXES.some((p) => name.startsWith(p))) return false
  return VISION_PREFIXES.some((p) => name.startsWith(p))
}

const MAX_OUTPUT_128K_PREFIXES = ['gpt-5-202', 'gpt-5-mini', 'gpt-5-nano', 'gpt-5.1', 'gpt-5.2', 'gpt-5.4', 'gpt-5.5']

export function openAIMaxOutputTokens(id: string): number {
  const name = id.trim().toLowerCase()
  if (name === 'gpt-5-chat-latest' || name.startsWith('gpt-5-chat-')) return 16384
  if (name === 'gpt-5-pro' || name.startsWith('gpt-5-pro-')) return 272000
  if (name === 'gpt-5' || MAX_OUTPUT_128K_PREFIXES.some((p) => name.startsWith(p))) return 128000
  return 0
}
