/** The Gemini API names models `models/<id>`; the catalog lists the bare id. */
export function geminiCatalogIds(id: string): string[] {
  return [id.startsWith('models/') ? id.slice('models/'.length) : id]
}
