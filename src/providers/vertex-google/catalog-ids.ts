/**
 * Vertex names a model version `<model>@<version>`, and `@default` is the version a bare id stands
 * for: the catalog lists Claude on Vertex that way (`claude-opus-4-6@default`), and Gemini bare.
 * So: the id as listed, then without its version, then as its default version.
 */
export function vertexCatalogIds(id: string): string[] {
  const at = id.indexOf('@')
  if (at > 0) return [id, id.slice(0, at)]
  return [id, `${id}@default`]
}
