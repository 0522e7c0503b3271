import { describe, expect, it } from 'vitest'
import { pageHref, pageOf } from './pager'

describe('pageOf', () => {
  const items = Array.from({ length: 25 }, (_, i) => i)

  it('cuts a list in pages, and shows the last page for one past the end', () => {
    expect(pageOf(items, 1, 10)).toEqual({ items: items.slice(0, 10), page: 1, pageCount: 3 })
    expect(pageOf(items, 3, 10)).toEqual({ items: items.slice(20), page: 3, pageCount: 3 })
    expect(pageOf(items, 9, 10).page).toBe(3)
    expect(pageOf([], 1, 10)).toEqual({ items: [], page: 1, pageCount: 1 })
  })

  it('links a page keeping the filter, without empty parameters or page=1', () => {
    expect(pageHref('/status/models', { q: 'llama 3', capability: '' }, 2)).toBe('/status/models?q=llama+3&page=2')
    expect(pageHref('/', { status: '' }, 1)).toBe('/')
  })
})
