/**
 * A backend type as it is compared and published: trimmed and lower-cased (the `local` alias has
 * no adapter yet). Apart from the provider registry, so that what only names a type (views, the
 * catalog's match counts) does not load every adapter.
 */
export function canonicalBackendType(type: string): string {
  return type.trim().toLowerCase()
}
