import { describe, expect, it } from 'vitest'
import { contextLabel } from './context-label'

describe('contextLabel', () => {
  it('quotes round token counts as people do, decimal or binary, and others in full', () => {
    expect(contextLabel(128_000)).toBe('128k')
    expect(contextLabel(131_072)).toBe('128k')
    expect(contextLabel(1_000_000)).toBe('1M')
    expect(contextLabel(1_048_576)).toBe('1M')
    expect(contextLabel(400_000)).toBe('400k')
    expect(contextLabel(40_960)).toBe('40k')
    expect(contextLabel(40_961)).toBe('40,961')
    expect(contextLabel(512)).toBe('512')
    expect(contextLabel(0)).toBe('–')
  })
})
