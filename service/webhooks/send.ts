// One attempt at one delivery: the body signed as Standard Webhooks (https://www.standardwebhooks.com) with
// the `standardwebhooks` package, posted with a timeout, the answer reduced to ok or a short error code.
import { Webhook } from 'standardwebhooks'
import type { Dispatcher } from 'undici'

export interface Attempt {
  ok: boolean
  /** The receiver's status, when it answered. */
  status?: number
  /** `http_<status>`, `timeout` or `connection_failed`; absent when ok. */
  error?: string
}

export interface SendInput {
  url: string
  /** The endpoint's signer, built once from its `whsec_` secret. */
  signer: Webhook
  /** The `webhook-id`: the delivery's id, the same on every attempt. */
  id: string
  body: string
  dispatcher: Dispatcher
  timeoutMs: number
  signal: AbortSignal
}

export async function sendWebhook(input: SendInput): Promise<Attempt> {
  // The receiver checks the timestamp against its own clock to refuse replays: the moment of sending, not
  // the event's (that is the body's `timestamp`).
  const sentAt = new Date()
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'wechat-login-stack-webhooks',
    'webhook-id': input.id,
    'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
    'webhook-signature': input.signer.sign(input.id, sentAt, input.body),
  }
  const url = new URL(input.url)
  try {
    const res = await input.dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: 'POST',
      headers,
      body: input.body,
      headersTimeout: input.timeoutMs,
      bodyTimeout: input.timeoutMs,
      signal: AbortSignal.any([input.signal, AbortSignal.timeout(input.timeoutMs)]),
    })
    // The answer's body is not read for anything: drained (at most 64 KiB) so the connection is reused.
    await res.body.dump({ limit: 65_536 }).catch(() => {})
    const ok = res.statusCode >= 200 && res.statusCode < 300
    return ok
      ? { ok, status: res.statusCode }
      : { ok, status: res.statusCode, error: `http_${res.statusCode}` }
  } catch (err) {
    if (input.signal.aborted) throw err
    const name = (err as { name?: string; code?: string }).name ?? ''
    const code = (err as { code?: string }).code ?? ''
    const timedOut = name === 'TimeoutError' || code.includes('TIMEOUT')
    return { ok: false, error: timedOut ? 'timeout' : 'connection_failed' }
  }
}
