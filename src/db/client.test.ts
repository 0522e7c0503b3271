import { describe, expect, it } from 'vitest'
import { statementTimeouts } from './client'

describe('statementTimeouts', () => {
  it('sends statement_timeout at connection start, with the driver timer a second later', () => {
    for (const url of [
      'postgresql://alex:AbC123dEf@ep-cool-darkness-123456.us-east-2.aws.neon.tech/dbname?sslmode=require',
      'postgres://postgres:postgres@127.0.0.1:5433/runtimestate',
      // A user name that happens to end in -pooler is not a pooled host.
      'postgres://app-pooler.x@db.internal/app',
    ]) {
      expect(statementTimeouts(url, 15_000)).toEqual({ statement_timeout: 15_000, query_timeout: 16_000 })
    }
  })

  it("leaves it out for Neon's pooled endpoints, whose PgBouncer refuses unknown startup parameters", () => {
    for (const url of [
      'postgresql://alex:AbC123dEf@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/dbname?sslmode=require',
      'postgres://ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/dbname',
    ]) {
      expect(statementTimeouts(url, 15_000)).toEqual({ query_timeout: 16_000 })
    }
  })
})
