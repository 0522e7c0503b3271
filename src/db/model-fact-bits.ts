/**
 * The capability bits of `backend_health.model_facts` (per model id: context length, capability
 * mask, first seen). Postgres keeps these masks from cycle to cycle, and the next cycle compares
 * them with what it lists to tell what changed about a model, so a bit means the same capability
 * for as long as a row may hold it: a new capability takes a new bit, and a capability dropped
 * leaves its bit unused. They are spelt out rather than taken from a list's order, so that
 * reordering a list cannot change what stored rows mean.
 */
export const MODEL_FACT_BITS = {
  chat: 1 << 0,
  embed: 1 << 1,
  prompt: 1 << 2,
  stream: 1 << 3,
  think: 1 << 4,
  vision: 1 << 5,
} as const

export type ModelFactCapability = keyof typeof MODEL_FACT_BITS
