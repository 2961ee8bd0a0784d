// Imported users fire no webhook: the import's transactions are skipped by the users triggers that fill the
// webhook outbox, while a sign-up on the same app still writes its user.created delivery.
import { eq } from 'drizzle-orm'
import { expect, it } from 'vitest'
import { users, webhookDeliveries } from '../../service/db/schema'
import { appWithReceiver } from '../helpers/webhook-receiver'

const ADMIN_KEY = 'admin-key-for-import-webhooks-0123456789'
const suite = appWithReceiver({ ADMIN_API_KEY: ADMIN_KEY })

const post = (lines: unknown[]) =>
  suite.t.request(
    'POST',
    '/v1/admin/users/import',
    lines.map((l) => JSON.stringify(l)).join('\n'),
    {
      authorization: `Bearer ${ADMIN_KEY}`,
      'content-type': 'application/x-ndjson',
    },
  )

it('writes no user.created or user.updated delivery for imported users, and one for a sign-up', async () => {
  expect((await post([{ externalId: 'wh-1', nickname: 'A' }])).json).toMatchObject({ created: 1 })
  expect((await post([{ externalId: 'wh-1', nickname: 'B' }])).json).toMatchObject({ updated: 1 })
  const [imported] = await suite.t.db.select().from(users).where(eq(users.externalId, 'wh-1'))
  expect(imported!.nickname).toBe('B')
  expect(
    await suite.t.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.userId, imported!.id)),
  ).toEqual([])

  const signup = await suite.t.login('wh-signup')
  const rows = await suite.t.db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.userId, signup.json.user.id))
  expect(rows.map((r) => r.type)).toEqual(['user.created'])
})
