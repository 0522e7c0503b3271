import { DrizzleQueryError } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { DatabaseUnavailableError, databaseUnavailable, queryFailureLogFields } from './errors'

/** An error as the driver raises it for a server ErrorResponse. */
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code })
/** The same, as drizzle hands it on: wrapped, with the statement and its parameters in the message. */
const wrapped = (cause: unknown, params: unknown[] = []) => new DrizzleQueryError('select 1', params, cause as Error)

describe('databaseUnavailable', () => {
  it.each([
    ['53300', 'at_capacity'],
    ['57P03', 'at_capacity'],
    ['57P01', 'shutting_down'],
    ['57P02', 'shutting_down'],
    ['57014', 'timeout'],
    ['08006', 'unreachable'],
    ['08001', 'unreachable'],
  ])('classifies SQLSTATE %s as %s, through drizzle’s wrapper', (code, reason) => {
    const classified = databaseUnavailable(wrapped(pgError(code, 'server says no')))
    expect(classified).toBeInstanceOf(DatabaseUnavailableError)
    expect(classified!.reason).toBe(reason)
    expect(classified!.retryAfterSeconds).toBeGreaterThan(0)
  })

  it('leaves statement errors alone, whatever their message quotes', () => {
    expect(databaseUnavailable(wrapped(pgError('23505', 'duplicate key value violates unique constraint')))).toBe(
      undefined,
    )
    expect(databaseUnavailable(wrapped(pgError('22P02', 'invalid input syntax: "Connection terminated"')))).toBe(
      undefined,
    )
    expect(databaseUnavailable(new Error('boom'))).toBe(undefined)
    expect(databaseUnavailable(undefined)).toBe(undefined)
  })

  it("does not read drizzle's wrapper, whose message repeats the parameters", () => {
    expect(databaseUnavailable(wrapped(new Error('boom'), ['Network connection lost']))).toBe(undefined)
  })

  it.each([
    ['Connection terminated unexpectedly', 'unreachable'],
    ['Uncaught Error: Network connection lost.', 'unreachable'],
    ['timeout exceeded when trying to connect', 'timeout'],
    ['Connection terminated due to connection timeout', 'timeout'],
    ['Query read timeout', 'timeout'],
  ])('classifies the driver message %j as %s', (message, reason) => {
    expect(databaseUnavailable(wrapped(new Error(message)))?.reason).toBe(reason)
  })

  it('classifies socket error codes and the WebSocket ErrorEvent as unreachable', () => {
    expect(databaseUnavailable(Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' }))?.reason).toBe(
      'unreachable',
    )
    expect(databaseUnavailable(wrapped(new Event('error')))?.reason).toBe('unreachable')
  })

  it('answers an error that is already classified as itself', () => {
    const error = new DatabaseUnavailableError('at_capacity', 'full')
    expect(databaseUnavailable(error)).toBe(error)
    expect(databaseUnavailable(wrapped(error))).toBe(error)
  })

  it('survives a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown }
    a.cause = a
    expect(databaseUnavailable(a)).toBe(undefined)
  })
})

describe('queryFailureLogFields', () => {
  const SECRET = 'sk-test-query-param-0000'
  /** A check violation as the server reports it: its detail quotes the failing row. */
  const checkViolation = () =>
    Object.assign(new Error('new row for relation "backends" violates check constraint "backends_check"'), {
      code: '23514',
      constraint: 'backends_check',
      detail: `Failing row contains (id, name, ${SECRET}).`,
    })

  it("names the SQLSTATE, the constraint and the statement's kind, and nothing the parameters say", () => {
    const error = new DrizzleQueryError(
      'insert into "backends" ("id", "name", "base_url") values ($1, $2, $3) returning "id"',
      ['id', 'name', SECRET],
      checkViolation(),
    )
    const fields = queryFailureLogFields(error)
    expect(fields).toEqual({
      error: 'DrizzleQueryError',
      sqlState: '23514',
      constraint: 'backends_check',
      statement: 'insert into "backends"',
    })
    expect(JSON.stringify(fields)).not.toContain(SECRET)
  })

  it.each([
    ['select "id", "name" from "backends" where "id" = $1', 'select from "backends"'],
    ['update "provider_configs" set "api_key_ciphertext" = $1 where "scope" = $2', 'update "provider_configs"'],
    ['delete from "backends" where "id" = $1 returning "id"', 'delete from "backends"'],
    ['  WITH x AS (select 1) select * from x', 'with'],
    [`select '${SECRET}'`, 'select'],
    [`insert into backends values ('${SECRET}')`, 'insert into backends'],
  ])('says %j is %j', (query, statement) => {
    expect(queryFailureLogFields(new DrizzleQueryError(query, [], new Error('boom')))?.statement).toBe(statement)
  })

  it('leaves out the message of a server error, which may quote the input, even when not wrapped', () => {
    const fields = queryFailureLogFields(checkViolation())
    expect(fields).toEqual({ error: 'Error', sqlState: '23514', constraint: 'backends_check' })
  })

  it('is undefined for an error no query raised, so its message can be logged', () => {
    expect(queryFailureLogFields(new TypeError('x is undefined'))).toBe(undefined)
    expect(queryFailureLogFields(undefined)).toBe(undefined)
  })
})
