import { row } from './row'

/**
 * The "bedrock/" capability table of fixtures/providers/README.md, in fixture order, keyed by
 * the foundation model id (`modelId`). A model invoked through an inference profile is observed
 * with the profile id as `name` and this id as `displayName`.
 */
export const BEDROCK_ROWS = [
  row('anthropic.claude-sonnet-4-5-20250929-v1:0 | 0 | 0 | Y | N | Y | Y | N | Y | ?'),
  row('anthropic.claude-3-haiku-20240307-v1:0    | 0 | 0 | Y | N | Y | Y | N | Y | ?'),
  row('amazon.nova-pro-v1:0                      | 0 | 0 | Y | N | Y | Y | N | Y | ?'),
  row('meta.llama3-3-70b-instruct-v1:0           | 0 | 0 | Y | N | Y | Y | N | N | ?'),
  row('deepseek.r1-v1:0                          | 0 | 0 | Y | N | Y | Y | N | N | ?'),
  row('amazon.titan-embed-text-v2:0              | 0 | 0 | N | Y | N | N | N | N | ?'),
  row('stability.stable-image-core-v1:1          | 0 | 0 | N | N | N | N | N | N | ?'),
  row('amazon.titan-text-express-v1              | 0 | 0 | Y | N | Y | Y | N | N | ?'),
]

/** The README "Invocation id" table (region us-east-1): foundation model id → id to invoke. */
export const BEDROCK_INVOCATION_IDS: Record<string, string> = {
  'anthropic.claude-sonnet-4-5-20250929-v1:0': 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  'anthropic.claude-3-haiku-20240307-v1:0': 'anthropic.claude-3-haiku-20240307-v1:0',
  'amazon.nova-pro-v1:0': 'amazon.nova-pro-v1:0',
  'meta.llama3-3-70b-instruct-v1:0': 'us.meta.llama3-3-70b-instruct-v1:0',
  'deepseek.r1-v1:0': 'us.deepseek.r1-v1:0',
  'amazon.titan-embed-text-v2:0': 'amazon.titan-embed-text-v2:0',
  'stability.stable-image-core-v1:1': 'stability.stable-image-core-v1:1',
  'amazon.titan-text-express-v1': 'amazon.titan-text-express-v1',
}
