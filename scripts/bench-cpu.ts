/**
 * CPU of one listing at the limits, in Node: what a probe costs the isolate between reading a
 * body and publishing its models. A Worker invocation gets tens of milliseconds of CPU per
 * request on the free plan and a cycle probes many backends, so each step must be linear and
 * well under a second at MAX_RESPONSE_BYTES / MAX_MODELS_PER_BACKEND.
 *
 * Steps, each timed as wall (performance.now) and CPU (process.cpuUsage, user + system):
 * - read: an ~8 MiB body through readCapped (the stream reader every provider body goes through);
 * - parse: JSON.parse plus the adapter's parse function (zod) into observed models;
 * - cap: capModels to MAX_MODELS_PER_BACKEND (sort by id past it);
 * - merge: mergeBackend with 100 declared models;
 * - redact: credentialRedactor, an 8 KiB key over a 64 KiB message.
 */
import { observedFromOpenAIId, parseOpenAIPage } from '../src/providers/openai/parse'
import { observedFromTag, parseTags } from '../src/providers/ollama/parse'
import { parseVllmModels } from '../src/providers/vllm/parse'
import { observedFromBedrock, parseFoundationModels, parseInferenceProfilesPage } from '../src/providers/bedrock/parse'
import { readCapped } from '../src/providers/read-body'
import { credentialRedactor } from '../src/providers/redact'
import type { ObservedModel } from '../src/providers/types'
import { type MergePolicy, indexOverrides, mergeBackend } from '../src/reconcile/merge'
import { capModels } from '../src/reconcile/model-cap'

const MAX_RESPONSE_BYTES = 8 * 1024 * 1024
const MAX_MODELS = 5000

interface Row {
  listing: string
  step: string
  items: number
  wallMs: number
  cpuMs: number
}

function timed<T>(rows: Row[], listing: string, step: string, work: () => T, items: (result: T) => number): T {
  const cpu = process.cpuUsage()
  const started = performance.now()
  const result = work()
  const wallMs = performance.now() - started
  const used = process.cpuUsage(cpu)
  rows.push({ listing, step, items: items(result), wallMs, cpuMs: (used.user + used.system) / 1000 })
  return result
}

async function timedAsync<T>(rows: Row[], listing: string, step: string, work: () => Promise<T>, items: number) {
  const cpu = process.cpuUsage()
  const started = performance.now()
  const result = await work()
  const wallMs = performance.now() - started
  const used = process.cpuUsage(cpu)
  rows.push({ listing, step, items, wallMs, cpuMs: (used.user + used.system) / 1000 })
  return result
}

/** JSON text of about `bytes` (or exactly `count` items), one item per index. */
function listing(
  prefix: string,
  item: (i: number) => unknown,
  suffix: string,
  limit: { bytes?: number; count?: number },
) {
  const parts: string[] = []
  let size = prefix.length
  for (let i = 0; i < (limit.count ?? Number.POSITIVE_INFINITY); i++) {
    const text = JSON.stringify(item(i))
    if (limit.bytes !== undefined && size + text.length + 1 + suffix.length > limit.bytes) break
    parts.push(text)
    size += text.length + 1
  }
  return { text: prefix + parts.join(',') + suffix, count: parts.length }
}

const declared = Array.from({ length: 100 }, (_, i) => ({
  id: `declared-${i}`,
  model: `model-${String(i * 37).padStart(7, '0')}`,
  canChat: true,
  canEmbed: false,
  canPrompt: true,
  canStream: true,
  contextLength: 0,
  catalogId: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
}))

function merge(models: ObservedModel[], policy: MergePolicy, type: string) {
  return mergeBackend({
    backend: {
      id: 'b1',
      name: 'bench',
      baseUrl: 'http://bench.local',
      type,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    },
    type,
    adapter: policy,
    declared,
    outcome: { ok: true, models, warnings: [], fromCache: false, latencyMs: 1 },
    previous: undefined,
    overrides: indexOverrides([]),
    autoDiscover: true,
    checkedAt: '2026-01-01T00:00:00.000Z',
  })
}

const FILTER: MergePolicy = { label: 'bench', declaredPolicy: 'filter', stripLatest: true, learnsContext: false }
const OVERLAY: MergePolicy = { label: 'bench', declaredPolicy: 'overlay', stripLatest: false, learnsContext: true }

export async function runCpuBench(): Promise<Row[]> {
  const rows: Row[] = []

  // OpenAI: the largest list MAX_RESPONSE_BYTES lets through, ~8 MiB of ids.
  const openai = listing(
    '{"object":"list","data":[',
    (i) => ({ id: `model-${String(i).padStart(7, '0')}`, object: 'model', created: 1700000000, owned_by: 'system' }),
    '],"has_more":false}',
    { bytes: MAX_RESPONSE_BYTES },
  )
  const body = await timedAsync(
    rows,
    'OpenAI ~8 MiB',
    'read (stream, capped)',
    () => readCapped(new Response(openai.text), MAX_RESPONSE_BYTES, new AbortController().signal),
    openai.count,
  )
  const ids = timed(
    rows,
    'OpenAI ~8 MiB',
    'JSON.parse + parse',
    () => parseOpenAIPage(JSON.parse(body.text)).ids,
    (r) => r.length,
  )
  const observed = timed(
    rows,
    'OpenAI ~8 MiB',
    'observed models',
    () => ids.map(observedFromOpenAIId),
    (r) => r.length,
  )
  const capped = timed(
    rows,
    'OpenAI ~8 MiB',
    `cap to ${MAX_MODELS}`,
    () => capModels(observed, MAX_MODELS),
    (r) => r.models.length,
  )
  timed(
    rows,
    'OpenAI ~8 MiB',
    'merge (capped)',
    () => merge(capped.models, FILTER, 'openai'),
    (r) => r.state.pulledModels.length,
  )
  timed(
    rows,
    'OpenAI ~8 MiB',
    'merge (uncapped)',
    () => merge(observed, FILTER, 'openai'),
    (r) => r.state.pulledModels.length,
  )

  const vllm = listing(
    '{"object":"list","data":[',
    (i) => ({
      id: `model-${String(i).padStart(7, '0')}`,
      object: 'model',
      owned_by: 'vllm',
      root: 'x',
      parent: null,
      max_model_len: 32768,
    }),
    ']}',
    { count: MAX_MODELS },
  )
  const vllmModels = timed(
    rows,
    `vLLM ${MAX_MODELS}`,
    'JSON.parse + parse',
    () => parseVllmModels(JSON.parse(vllm.text)),
    (r) => r.length,
  )
  timed(
    rows,
    `vLLM ${MAX_MODELS}`,
    'merge',
    () => merge(vllmModels, FILTER, 'vllm'),
    (r) => r.state.pulledModels.length,
  )

  const ollama = listing(
    '{"models":[',
    (i) => ({
      name: `model-${String(i).padStart(7, '0')}:latest`,
      model: `model-${String(i).padStart(7, '0')}:latest`,
      modified_at: '2026-01-01T00:00:00Z',
      size: 4_000_000_000,
      digest: i.toString(16).padStart(64, '0'),
      details: { format: 'gguf', family: 'llama', parameter_size: '8B', quantization_level: 'Q4_K_M' },
      capabilities: ['completion', 'tools'],
    }),
    ']}',
    { count: MAX_MODELS },
  )
  const tags = timed(
    rows,
    `Ollama ${MAX_MODELS}`,
    'JSON.parse + parse',
    () => parseTags(JSON.parse(ollama.text)),
    (r) => r.length,
  )
  const ollamaModels = timed(
    rows,
    `Ollama ${MAX_MODELS}`,
    'observed models',
    () => tags.map((t) => observedFromTag(t)),
    (r) => r.length,
  )
  timed(
    rows,
    `Ollama ${MAX_MODELS}`,
    'merge',
    () => merge(ollamaModels, OVERLAY, 'ollama'),
    (r) => r.state.pulledModels.length,
  )

  // Bedrock: every model needing an inference profile, ~4 MiB of each list.
  const summaries = listing(
    '{"modelSummaries":[',
    (i) => ({
      modelId: `vendor.model-${i}-v1:0`,
      modelArn: `arn:aws:bedrock:us-east-1::foundation-model/vendor.model-${i}-v1:0`,
      inputModalities: ['TEXT'],
      outputModalities: ['TEXT'],
      inferenceTypesSupported: ['INFERENCE_PROFILE'],
    }),
    ']}',
    { bytes: MAX_RESPONSE_BYTES / 2 },
  )
  const profiles = listing(
    '{"inferenceProfileSummaries":[',
    (i) => ({
      inferenceProfileId: `us.vendor.model-${i}-v1:0`,
      models: [{ modelArn: `arn:aws:bedrock:us-east-1::foundation-model/vendor.model-${i}-v1:0` }],
      status: 'ACTIVE',
      type: 'SYSTEM_DEFINED',
    }),
    ']}',
    { bytes: MAX_RESPONSE_BYTES / 2 },
  )
  const parsedSummaries = parseFoundationModels(JSON.parse(summaries.text))
  const parsedProfiles = parseInferenceProfilesPage(JSON.parse(profiles.text)).profiles
  timed(
    rows,
    `Bedrock ${parsedSummaries.length} x ${parsedProfiles.length}`,
    'invocation ids',
    () => observedFromBedrock(parsedSummaries, parsedProfiles, 'us-east-1').models,
    (r) => r.length,
  )

  const key = Array.from(
    { length: 8192 },
    (_, i) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[(i * 7919) % 62],
  ).join('')
  const message = `error: ${'x'.repeat(32 * 1024)} ${key.slice(100, 400)} ${'*'.repeat(1000)}${'…'.repeat(1000)} ${'y'.repeat(30 * 1024)}`
  const redact = timed(
    rows,
    'redact',
    'index an 8 KiB key',
    () => credentialRedactor(key),
    () => 1,
  )
  timed(
    rows,
    'redact',
    'scan a 64 KiB message',
    () => redact(message),
    () => 1,
  )
  return rows
}

function printCpuTable(rows: Row[]): void {
  const header = ['listing', 'step', 'items', 'wall', 'cpu']
  const lines = rows.map((r) => [
    r.listing,
    r.step,
    String(r.items),
    `${r.wallMs.toFixed(1)} ms`,
    `${r.cpuMs.toFixed(1)} ms`,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const row = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  console.log('')
  console.log('CPU of one listing at the limits (Node; wall = performance.now, cpu = process.cpuUsage user+system)')
  console.log(row(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const l of lines) console.log(row(l))
  console.log('')
}

/** One JSON line per step (like the cycle bench's), then the table. */
export async function reportCpuBench(): Promise<void> {
  const rows = await runCpuBench()
  for (const r of rows) {
    const wallMs = Math.round(r.wallMs * 10) / 10
    const cpuMs = Math.round(r.cpuMs * 10) / 10
    console.log(
      JSON.stringify({ bench: 'listing-cpu', listing: r.listing, step: r.step, items: r.items, wallMs, cpuMs }),
    )
  }
  printCpuTable(rows)
}

// `npx tsx scripts/bench-cpu.ts` runs this section alone.
if (import.meta.url === `file://${process.argv[1]}`) await reportCpuBench()
