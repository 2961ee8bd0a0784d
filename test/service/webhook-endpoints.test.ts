// The endpoints of WEBHOOKS as the database's triggers see them: each start writes them; an endpoint no
// longer configured goes with its undelivered rows, and then no change writes a row for it.
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { webhookDeliveries, webhookEndpoints } from '../../service/db/schema'
import { syncWebhookEndpoints } from '../../service/webhooks/endpoints'
import { createTestApp, type TestApp } from '../helpers/test-app'
import {
  startWebhookReceiver,
  webhooksEnv,
  type WebhookReceiver,
} from '../helpers/webhook-receiver'

let t: TestApp
let receiver: WebhookReceiver
beforeAll(async () => {
  receiver = await startWebhookReceiver()
  receiver.setMode('hang')
  t = await createTestApp({
    env: {
      WEBHOOKS: webhooksEnv({ receiver, events: ['user.created'] }),
    },
  })
})
afterAll(async () => {
  await t.close()
  await receiver.close()
})

const rowsOf = (userId: string) =>
  t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.userId, userId))

it('writes the configured endpoints without their secret, and drops a removed one with its rows', async () => {
  const [endpoint] = await t.db.select().from(webhookEndpoints)
  expect(endpoint).toMatchObject({ id: t.config.webhooks[0]!.id, events: ['user.created'] })
  expect(JSON.stringify(endpoint)).not.toContain(receiver.secret.slice(6))
  const login = await t.login('ep-ada')
  const id = login.json.user.id
  expect((await rowsOf(id)).map((r) => r.type)).toEqual(['user.created'])
  // Not a type this endpoint asked for.
  await t.request('PATCH', '/v1/me', { nickname: 'Ada' }, t.bearer(login.json.accessToken))
  expect(await rowsOf(id)).toHaveLength(1)

  await syncWebhookEndpoints(t.db, [])
  expect(await t.db.select().from(webhookEndpoints)).toEqual([])
  expect(await rowsOf(id)).toEqual([])
  const later = (await t.login('ep-bo')).json.user.id
  expect(await rowsOf(later)).toEqual([])
})
