import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { allowedMethods } from './method-not-allowed'

const app = new Hono()
  .use('*', async (_c, next) => next())
  .get('/things', (c) => c.text('list'))
  .post('/things', (c) => c.text('created'))
  .get('/things/:id', (c) => c.text('one'))
  .put('/things/:id', (c) => c.text('put'))
  .delete('/things/:id', (c) => c.text('gone'))
  .put('/overrides/:provider/:model{.+}', (c) => c.text('set'))

describe('allowedMethods', () => {
  const allowed = allowedMethods(app.routes)

  it("lists the methods an app's own routes take at a path, HEAD with GET, middleware left out", () => {
    expect(allowed('/things')).toEqual(['GET', 'HEAD', 'POST'])
    expect(allowed('/things/42')).toEqual(['GET', 'HEAD', 'PUT', 'DELETE'])
    expect(allowed('/overrides/openai/org/model-1')).toEqual(['PUT'])
  })

  it('answers nothing for a path no route has', () => {
    expect(allowed('/nothing')).toEqual([])
    expect(allowed('/things/42/more')).toEqual([])
  })
})
