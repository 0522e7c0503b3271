import { canonicalBackendType } from '../published/backend-type'
import { anthropic } from './anthropic'
import { bedrock } from './bedrock'
import { gemini } from './gemini'
import { mistral } from './mistral'
import { ollama } from './ollama'
import { openai } from './openai'
import { openrouter } from './openrouter'
import type { BackendType, ProviderAdapter } from './types'
import { vertexGoogle } from './vertex-google'
import { vllm } from './vllm'

/** Every backend type and its adapter; a type without one fails to compile. */
export const adapters = {
  ollama,
  vllm,
  openai,
  openrouter,
  anthropic,
  mistral,
  bedrock,
  gemini,
  'vertex-google': vertexGoogle,
} satisfies Record<BackendType, ProviderAdapter>

export const BACKEND_TYPES = Object.keys(adapters) as BackendType[]

export { canonicalBackendType }

export function adapterFor(type: string): { type: BackendType; adapter: ProviderAdapter } | undefined {
  const canonical = canonicalBackendType(type)
  return canonical in adapters
    ? { type: canonical as BackendType, adapter: adapters[canonical as BackendType] }
    : undefined
}
