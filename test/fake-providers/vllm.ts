import { type FakeProvider, json, notFound } from './fixtures'

export const vllm: FakeProvider = (request) =>
  request.path === '/v1/models' ? json('vllm/models.json') : notFound(request.path)
