/**
 * Copies the API reference UI's script from its npm package into `public/`, which Workers static
 * assets serve, so `/docs` loads nothing from a CDN. Run by `npm run dev` and `npm run deploy`;
 * the copy is not committed.
 */
import { copyFileSync, mkdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DOCS_SCRIPT_PATH } from '../src/http/docs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export function copyDocsAssets(): string {
  // The package's `browser` entry; its exports map does not name it, so it is found by path.
  const source = path.join(root, 'node_modules', '@scalar', 'api-reference', 'dist', 'browser', 'standalone.js')
  const target = path.join(root, 'public', DOCS_SCRIPT_PATH)
  const sameFile = (() => {
    try {
      return statSync(source).size === statSync(target).size && statSync(source).mtimeMs <= statSync(target).mtimeMs
    } catch {
      return false
    }
  })()
  if (!sameFile) {
    mkdirSync(path.dirname(target), { recursive: true })
    copyFileSync(source, target)
  }
  return path.relative(root, target)
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(`docs assets: ${copyDocsAssets()}`)
}
