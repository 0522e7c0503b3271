import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { body, flag, storableText, text } from './input'

const messages = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value)
  return result.success ? [] : result.error.issues.map((i) => i.message)
}

describe('storableText', () => {
  it('refuses NUL and unpaired surrogates, and accepts every other character', () => {
    expect(storableText('a\u0000b')).toBe(false)
    expect(storableText('\ud800')).toBe(false)
    expect(storableText('x\udc00')).toBe(false)
    expect(storableText('\udc00\ud800')).toBe(false)
    expect(storableText('emoji 🦙 ok')).toBe(true)
    expect(storableText('tab\tnewline\n\u0001 ok')).toBe(true)
    expect(storableText('')).toBe(true)
  })
})

describe('text', () => {
  const name = text('name', { max: 8 })

  it('trims, and says in our words what is wrong', () => {
    expect(name.parse('  gpu-1 ')).toBe('gpu-1')
    expect(messages(name, undefined)).toEqual(['name is required'])
    expect(messages(name, 42)).toEqual(['name must be a string'])
    expect(messages(name, '   ')).toEqual(['name is required'])
    expect(messages(name, 'x'.repeat(9))).toEqual(['name must be at most 8 characters'])
    expect(messages(name, 'a\u0000b')).toEqual(['name must not contain NUL (\\u0000) or unpaired surrogate characters'])
  })

  it('takes a route’s own words where it keeps them', () => {
    const model = text('model', {
      max: 4,
      messages: { missing: 'model cannot be empty', empty: 'model cannot be empty', tooLong: 'too long' },
    })
    expect(messages(model, undefined)).toEqual(['model cannot be empty'])
    expect(messages(model, '')).toEqual(['model cannot be empty'])
    expect(messages(model, 'xxxxx')).toEqual(['too long'])
  })

  it('can keep whitespace and allow an empty value', () => {
    const raw = text('id', { max: 4, trim: false, min: 0 })
    expect(raw.parse(' a ')).toBe(' a ')
    expect(raw.parse('')).toBe('')
  })
})

describe('body', () => {
  const schema = body({ name: text('name', { max: 8 }), on: flag('on').optional() })

  it('names unknown fields instead of dropping them', () => {
    expect(messages(schema, { name: 'a', colour: 'red' })).toEqual(['unknown field "colour"'])
    expect(messages(schema, { name: 'a', colour: 'red', size: 1 })).toEqual(['unknown fields "colour", "size"'])
  })

  it('wants an object, and booleans that are booleans', () => {
    expect(messages(schema, [])).toEqual(['body must be a JSON object'])
    expect(messages(schema, 'x')).toEqual(['body must be a JSON object'])
    expect(messages(schema, { name: 'a', on: 'yes' })).toEqual(['on must be true or false'])
    expect(schema.parse({ name: 'a', on: true })).toEqual({ name: 'a', on: true })
  })
})
