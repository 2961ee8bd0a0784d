// A customer's backend for webhook tests: a real HTTP server on loopback that verifies each request with the
// `standardwebhooks` package, as docs/webhooks.md tells receivers to, and records what it got. Its answer
// can be switched: 204, a 500, or no answer at all (a hung backend).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll } from 'vitest'
import { createTestApp, type TestApp } from './test-app'

export interface Received {
  id: string
  /** The verified body. */
  body: {
    type: string
    timestamp: string
    data: { user: Record<string, unknown>; changes?: string[] }
  }
  /** What the receiver answered. */
  answered: 'ok' | 'fail' | 'hang'
}

export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`

export async function startWebhookReceiver(secret = newWebhookSecret()) {
  const verifier = new Webhook(secret)
  const received: Received[] = []
  /** Requests that failed verification. */
  const rejected: string[] = []
  const hung: ServerResponse[] = []
  let mode: Received['answered'] = 'ok'
  const waiters: (() => void)[] = []

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      try {
        const body = verifier.verify(raw, req.headers as Record<string, string>) as Received['body']
        received.push({ id: String(req.headers['webhook-id']), body, answered: mode })
        waiters.splice(0).forEach((w) => w())
      } catch (err) {
        rejected.push(String(err))
        res.writeHead(400).end()
        return
      }
      if (mode === 'hang') return void hung.push(res)
      res.writeHead(mode === 'ok' ? 204 : 500).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks?token=receiver-query`,
    secret,
    received,
    rejected,
    setMode(m: Received['answered']) {
      mode = m
    },
    /** Resolves once `predicate` holds for what was received, or rejects after `timeoutMs`. */
    async until(predicate: (r: Received[]) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      while (!predicate(received)) {
        if (Date.now() > deadline)
          throw new Error(
            `receiver: condition not met; got ${JSON.stringify(received.map((r) => [r.id, r.body.type]))}`,
          )
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 100)
        })
      }
      return received
    },
    async close() {
      hung.splice(0).forEach((r) => r.destroy())
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>

/** WEBHOOKS for a test app: each receiver an endpoint, optionally limited to some event types. */
export const webhooksEnv = (...endpoints: { receiver: WebhookReceiver; events?: string[] }[]) =>
  JSON.stringify(
    endpoints.map(({ receiver, events }) => ({
      url: receiver.url,
      secret: receiver.secret,
      ...(events && { events }),
    })),
  )

/**
 * A suite's test app with one receiver as its only webhook endpoint, started before and closed after the
 * suite (vitest's hooks). `env` adds to WEBHOOKS, e.g. the admin key.
 */
export function appWithReceiver(env: Record<string, string> = {}) {
  const suite = {} as { t: TestApp; receiver: WebhookReceiver }
  beforeAll(async () => {
    suite.receiver = await startWebhookReceiver()
    suite.t = await createTestApp({
      env: { ...env, WEBHOOKS: webhooksEnv({ receiver: suite.receiver }) },
    })
  })
  afterAll(async () => {
    await suite.t.close()
    await suite.receiver.close()
  })
  return suite
}
