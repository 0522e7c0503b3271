/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest'

/** Every source file's text, read at build time. */
const sources = import.meta.glob<string>(
  ['../src/**/*.ts', '../src/**/*.tsx', '../scripts/**/*.ts', './support/**/*.ts'],
  {
    query: '?raw',
    import: 'default',
    eager: true,
  },
)

describe('comments', () => {
  it('say why in their own words: none cites a document this repository does not have', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(100)
    // The names below are of design notes kept beside this repository, not in it: a comment that
    // cites one sends a reader to a document they cannot open.
    const citations = Object.entries(sources).flatMap(([file, text]) =>
      text
        .split('\n')
        .map((line, i) => ({ file, line: i + 1, text: line }))
        .filter(({ text }) =>
          /seed-spec|DESIGN(\.md| §)|provider-apis\.md|anchors\.md|toolchain\.md|platform-limits\.md/.test(text),
        ),
    )
    expect(citations).toEqual([])
  })
})
