/**
 * The geographic prefixes of Bedrock's cross-region inference profiles (`us.anthropic.…`). The
 * catalog lists some profiles as they are; the others are the base model served in more regions.
 */
const PROFILE_PREFIXES = ['us.', 'eu.', 'apac.', 'au.', 'jp.', 'ca.', 'us-gov.', 'global.']

/** The id as listed, then, for an inference profile, the foundation model it routes to. */
export function bedrockCatalogIds(id: string): string[] {
  const prefix = PROFILE_PREFIXES.find((p) => id.startsWith(p) && id.length > p.length)
  return prefix ? [id, id.slice(prefix.length)] : [id]
}
