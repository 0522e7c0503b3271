/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest'

/**
 * The layers of src/, lowest first (README.md, "Architecture"). A file may import from its own
 * layer and from lower ones, never from a higher one. The folders and top-level files (the units)
 * of one layer may import each other, but never in a circle.
 */
const LAYERS: { name: string; paths: string[] }[] = [
  { name: 'base', paths: ['errors/', 'platform/', 'env.ts', 'secrets.ts', 'hosts.ts'] },
  { name: 'published', paths: ['published/'] },
  { name: 'providers', paths: ['providers/'] },
  { name: 'catalog', paths: ['catalog/'] },
  { name: 'storage', paths: ['kv/', 'db/'] },
  { name: 'views', paths: ['views/'] },
  { name: 'webhooks', paths: ['webhooks/'] },
  { name: 'reconcile', paths: ['reconcile/'] },
  { name: 'pages', paths: ['pages/'] },
  { name: 'http', paths: ['http/'] },
  // env.generated.d.ts (`wrangler types`) declares the global Env, and names index.ts as the Worker's module.
  { name: 'entry', paths: ['index.ts', 'client.ts', 'env.generated.d.ts'] },
]

/**
 * Tests stand outside the layers: a test may set up any layer it needs. Everything else in src/ is
 * checked, so nothing but a test imports test/ (the builders tests share live in test/support/).
 */
const TEST_ONLY = /\.test\.tsx?$/

/** Every source file's text, read at build time, by its path under src/. */
const sources = Object.fromEntries(
  Object.entries(
    import.meta.glob<string>(['../src/**/*.ts', '../src/**/*.tsx'], { query: '?raw', import: 'default', eager: true }),
  ).map(([file, text]) => [file.replace(/^\.\.\/src\//, ''), text]),
)

/** The module specifiers a file imports: static imports, re-exports, side-effect and dynamic imports. */
function importsOf(text: string): string[] {
  const pattern =
    /^\s*(?:import|export)\s+[\w\s{},*$]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm
  return [...text.matchAll(pattern)].map((m) => (m[1] ?? m[2] ?? m[3])!)
}

/** A relative specifier resolved against a file's folder, as a path under src/ (`../` past src/ stays). */
function resolve(from: string, specifier: string): string {
  const parts = from.split('/').slice(0, -1)
  for (const part of specifier.split('/')) {
    if (part === '.') continue
    if (part === '..' && parts.length > 0 && parts.at(-1) !== '..') parts.pop()
    else parts.push(part)
  }
  const path = parts.join('/')
  const files = new Set(Object.keys(sources))
  return [path, `${path}.ts`, `${path}.tsx`, `${path}/index.ts`].find((p) => files.has(p)) ?? path
}

/** The layer a path under src/ is in (its index in LAYERS) and the unit it stands in: its folder, or the file. */
function placeOf(path: string): { layer: number; unit: string } | undefined {
  for (const [layer, { paths }] of LAYERS.entries()) {
    const unit = paths.find((p) => (p.endsWith('/') ? path.startsWith(p) : path === p))
    if (unit) return { layer, unit }
  }
  return undefined
}

/** Every import that breaks the layering, as `file → specifier (why)`, then every circle of units. */
function violations(files: Record<string, string>): string[] {
  const found: string[] = []
  const edges = new Map<string, Set<string>>()
  for (const [file, text] of Object.entries(files)) {
    if (TEST_ONLY.test(file)) continue
    const from = placeOf(file)
    if (!from) {
      found.push(`src/${file} is in no layer: add its folder to LAYERS here and to README.md's "Architecture"`)
      continue
    }
    for (const specifier of importsOf(text)) {
      if (!specifier.startsWith('.')) continue
      const to = placeOf(resolve(file, specifier))
      if (!to) found.push(`src/${file} → ${specifier} (outside the layers)`)
      else if (to.layer > from.layer) {
        const [lower, higher] = [LAYERS[from.layer]!.name, LAYERS[to.layer]!.name]
        found.push(`src/${file} → ${specifier} (${lower} imports from the higher layer ${higher})`)
      } else if (to.unit !== from.unit) edges.set(from.unit, (edges.get(from.unit) ?? new Set()).add(to.unit))
    }
  }
  return [...found, ...circles(edges).map((circle) => `${circle.join(' → ')} (a circle within one layer)`)]
}

/** Each circle of imports between units, found once, from the first unit of it visited. */
function circles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const found: string[][] = []
  const done = new Set<string>()
  const path: string[] = []
  const visit = (unit: string) => {
    path.push(unit)
    for (const next of [...(edges.get(unit) ?? [])].sort()) {
      if (path.includes(next)) found.push([...path.slice(path.indexOf(next)), next])
      else if (!done.has(next)) visit(next)
    }
    path.pop()
    done.add(unit)
  }
  for (const unit of [...edges.keys()].sort()) if (!done.has(unit)) visit(unit)
  return found
}

describe('layers', () => {
  it('every import in src/ goes to its own folder or a lower layer', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(100)
    const relative = Object.values(sources).flatMap((text) => importsOf(text).filter((s) => s.startsWith('.')))
    expect(relative.length).toBeGreaterThan(300)
    expect(violations(sources)).toEqual([])
  })

  it('names the file and the import that goes up', () => {
    const store = `import pMap from 'p-map'\nimport {\n  type RenderedSnapshot,\n  renderSnapshot,\n} from '../views/render'\n`
    expect(
      violations({
        'kv/snapshot-store.ts': store,
        'db/admin.ts': "export { originOf } from '../reconcile/cycle'",
        'kv/moving-view.ts': "const { x } = await import('../db/schema')",
        'db/schema.ts': "import { y } from '../kv/moving-view'",
        'views/fleet.ts':
          "import type { Snapshot } from '../published/types'\nimport { chunk } from './chunk-boundaries'",
        'views/fleet-fuzz.ts': "import { fleet } from '../../test/support/fleet-arbitrary'",
        'extras/new.ts': '',
      }),
    ).toEqual([
      'src/kv/snapshot-store.ts → ../views/render (storage imports from the higher layer views)',
      'src/db/admin.ts → ../reconcile/cycle (storage imports from the higher layer reconcile)',
      'src/views/fleet-fuzz.ts → ../../test/support/fleet-arbitrary (outside the layers)',
      'src/extras/new.ts is in no layer: add its folder to LAYERS here and to README.md\'s "Architecture"',
      'db/ → kv/ → db/ (a circle within one layer)',
    ])
  })
})
