// A backend that never answers does not slow logins: deliveries run beside the requests, in a few slots of
// their own, each cut off at WEBHOOK_TIMEOUT_MS; the events wait in the outbox, none lost.
import { inArray } from 'drizzle-orm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { webhookDeliveries } from '../../service/db/schema'
import { createTestApp, type TestApp } from '../helpers/test-app'
import {
  startWebhookReceiver,
  webhooksEnv,
  type WebhookReceiver,
} from '../helpers/webhook-receiver'

const TIMEOUT_MS = 30_000
let t: TestApp
let receiver: WebhookReceiver
beforeAll(async () => {
  receiver = await startWebhookReceiver()
  receiver.setMode('hang')
  t = await createTestApp({
    env: {
      WEBHOOKS: webhooksEnv({ receiver }),
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      WEBHOOK_POLL_MS: '100',
    },
  })
})
afterAll(async () => {
  await t.close()
  await receiver.close()
})

it('answers 20 first logins quickly while every delivery hangs', async () => {
  const ids: string[] = []
  const slowest = { ms: 0 }
  for (let i = 0; i < 20; i++) {
    const at = Date.now()
    const res = await t.login(`slow-hook-${i}`)
    expect(res.status).toBe(200)
    slowest.ms = Math.max(slowest.ms, Date.now() - at)
    ids.push(res.json.user.id)
    // The worker has posted and is waiting on the backend while the next logins run.
    if (i === 0) await receiver.until((r) => r.length > 0)
  }
  // Far below the time a delivery waits for the backend: no login waited for one.
  expect(slowest.ms).toBeLessThan(TIMEOUT_MS / 3)
  const rows = await t.db
    .select({ status: webhookDeliveries.status })
    .from(webhookDeliveries)
    .where(inArray(webhookDeliveries.userId, ids))
  expect(rows).toHaveLength(20)
  expect(rows.every((r) => r.status === 'pending')).toBe(true)
  // Bounded: this instance has at most 8 posts waiting on the backend at once.
  expect(receiver.received.length).toBeLessThanOrEqual(8)
})
