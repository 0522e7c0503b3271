import { eventText } from '../views/event-text'
import { MODELS_CHANGED, WEBHOOK_TEST, type WebhookPayload } from '../published/events'

/** How many models a Slack line names before it says "and N more". */
const NAMED_MODELS = 10

/** `&`, `<` and `>` are Slack's control characters in text; everything else is shown as sent. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function modelNames(events: unknown): string {
  const names = (Array.isArray(events) ? events : []).map((e) => String((e as { model?: unknown }).model))
  const shown = names.slice(0, NAMED_MODELS).join(', ')
  return names.length > NAMED_MODELS ? `${shown} and ${names.length - NAMED_MODELS} more` : shown
}

/** What a coalesced model message says: counts and names per kind of change. */
function modelsChangedText(data: Record<string, unknown>): string {
  const parts: string[] = []
  for (const [key, verb] of [
    ['added', 'added'],
    ['removed', 'removed'],
    ['changed', 'changed'],
  ] as const) {
    const list = data[key]
    const count = Array.isArray(list) ? list.length : 0
    if (count > 0) parts.push(`${count} model${count === 1 ? '' : 's'} ${verb} (${modelNames(list)})`)
  }
  return parts.join(', ')
}

/**
 * A Slack incoming-webhook body for a message: one line per change, naming the backend, with a
 * link to its status page on the origin the subscription was created from.
 */
export function slackBody(payload: WebhookPayload, pageOrigin: string): { text: string } {
  const data = payload.data
  if (payload.type === WEBHOOK_TEST) return { text: 'runtimestate: a test message for this subscription' }
  const named = [data.backendName, data.backendId].find((value) => typeof value === 'string')
  const name = slackEscape(named ?? 'a backend')
  const link =
    typeof data.backendId === 'string'
      ? ` <${pageOrigin}/status/backends/${encodeURIComponent(data.backendId)}|status page>`
      : ''
  const what = payload.type === MODELS_CHANGED ? modelsChangedText(data) : eventText({ kind: payload.type, data: data })
  return { text: `*${name}*: ${slackEscape(what)}${payload.type === 'backend.removed' ? '' : link}` }
}
