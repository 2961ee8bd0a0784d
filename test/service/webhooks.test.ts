// Webhooks: every user change reaches the customer's backend as a Standard Webhooks request that the
// `standardwebhooks` package verifies; a failing backend gets the same webhook-id again on the retry
// schedule (reached with the test clock), a rolled-back change sends nothing, and the admin API lists and
// retries deliveries.
import { eq } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { users, webhookDeliveries } from '../../service/db/schema'
import { pruneExpired } from '../../service/maintenance'
import { RETRY_DELAYS_S } from '../../service/webhooks/types'
import { createTestApp, type TestApp } from '../helpers/test-app'
import {
  startWebhookReceiver,
  webhooksEnv,
  type WebhookReceiver,
} from '../helpers/webhook-receiver'

const ADMIN_KEY = 'webhooks-admin-key-0123456789abcdef'
let t: TestApp
let all: WebhookReceiver
let deletions: WebhookReceiver

beforeAll(async () => {
  all = await startWebhookReceiver()
  deletions = await startWebhookReceiver()
  t = await createTestApp({
    env: {
      ADMIN_API_KEY: ADMIN_KEY,
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_POLL_MS: '200',
      WEBHOOKS: webhooksEnv({ receiver: all }, { receiver: deletions, events: ['user.deleted'] }),
    },
  })
})
afterAll(async () => {
  await t.close()
  await all.close()
  await deletions.close()
})

afterEach(() => all.setMode('ok'))

const of = (userId: string, type?: string) => (r: WebhookReceiver['received'][number]) =>
  r.body.data.user.id === userId && (!type || r.body.type === type)
const rowsOf = (userId: string) =>
  t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.userId, userId))

describe('webhook events', () => {
  it('sends user.created for a first code login, signed so that standardwebhooks verifies it', async () => {
    const login = await t.login('wh-ada')
    expect(login.status).toBe(200)
    const id = login.json.user.id
    const [got] = (await all.until((r) => r.some(of(id)))).filter(of(id))
    expect(got!.id).toMatch(/^msg_[0-9a-f]{32}$/)
    expect(got!.body.type).toBe('user.created')
    expect(new Date(got!.body.timestamp).toISOString()).toBe(got!.body.timestamp)
    expect(got!.body.data.user).toMatchObject({ id, status: 'active', phone: null })
    expect(all.rejected).toEqual([])
    // The filtered endpoint asked for deletions only.
    expect((await rowsOf(id)).map((r) => r.type)).toEqual(['user.created'])
  })

  it('sends nothing for a returning login', async () => {
    const id = (await t.login('wh-bo')).json.user.id
    await all.until((r) => r.some(of(id)))
    expect((await t.login('wh-bo')).status).toBe(200)
    expect((await rowsOf(id)).map((r) => r.type)).toEqual(['user.created'])
  })

  it('sends user.updated with the changed fields for PATCH /v1/me and for a phone bound at login', async () => {
    const login = await t.login('wh-cy')
    const id = login.json.user.id
    const patch = await t.request(
      'PATCH',
      '/v1/me',
      { nickname: 'Cy' },
      t.bearer(login.json.accessToken),
    )
    expect(patch.status).toBe(200)
    const [named] = (await all.until((r) => r.some(of(id, 'user.updated')))).filter(
      of(id, 'user.updated'),
    )
    expect(named!.body.data).toMatchObject({ user: { id, nickname: 'Cy' }, changes: ['nickname'] })
    expect((await t.phoneLogin('wh-cy', '13900139001')).json.user.id).toBe(id)
    const phoned = await all.until((r) => r.filter(of(id, 'user.updated')).length === 2)
    expect(phoned.filter(of(id, 'user.updated'))[1]!.body.data).toMatchObject({
      user: { id, phone: '+8613900139001' },
      changes: ['phone'],
    })
  })

  it('sends user.blocked and user.unblocked for the admin API', async () => {
    const id = (await t.login('wh-di')).json.user.id
    for (const status of ['blocked', 'active'])
      expect((await t.admin('PATCH', `/v1/admin/users/${id}`, { status })).status).toBe(200)
    // Delivered side by side, so not necessarily in order (docs/webhooks.md#ordering).
    const got = await all.until((r) => r.filter(of(id)).length === 3)
    expect(
      got
        .filter(of(id))
        .map((r) => r.body.type)
        .sort(),
    ).toEqual(['user.blocked', 'user.created', 'user.unblocked'])
  })

  it('sends user.deleted with the id alone, and strips the profile from the earlier rows', async () => {
    const login = await t.phoneLogin('wh-ed', '13900139002')
    const id = login.json.user.id
    await all.until((r) => r.some(of(id, 'user.created')))
    const res = await t.request('DELETE', '/v1/me', undefined, t.bearer(login.json.accessToken))
    expect(res.status).toBe(204)
    for (const receiver of [all, deletions]) {
      const [gone] = (await receiver.until((r) => r.some(of(id, 'user.deleted')))).filter(
        of(id, 'user.deleted'),
      )
      expect(gone!.body.data).toEqual({ user: { id } })
    }
    expect(deletions.received.filter(of(id)).map((r) => r.body.type)).toEqual(['user.deleted'])
    const rows = await rowsOf(id)
    expect(rows.map((r) => r.payload.data)).toEqual(rows.map(() => ({ user: { id } })))
  })

  it('sends nothing for a change that was rolled back', async () => {
    const id = 'rolled-back-user'
    const rollback = new Error('roll back')
    await expect(
      t.db.transaction(async (tx) => {
        await tx.insert(users).values({ id, nickname: 'Never' })
        await tx.update(users).set({ status: 'blocked' }).where(eq(users.id, id))
        expect(
          (await tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.userId, id)))
            .length,
        ).toBe(2)
        throw rollback
      }),
    ).rejects.toBe(rollback)
    expect(await rowsOf(id)).toEqual([])
    // A later change is delivered, and the rolled-back one was never sent before it.
    const later = (await t.login('wh-fay')).json.user.id
    await all.until((r) => r.some(of(later)))
    expect(all.received.filter(of(id))).toEqual([])
  })
})

describe('retries', () => {
  it('sends the same webhook-id again after 5 s, then 5 min, to a receiver that recovers', async () => {
    all.setMode('fail')
    const id = (await t.login('wh-gus')).json.user.id
    await all.until((r) => r.some(of(id)))
    const [row] = await rowsOf(id)
    await expect.poll(async () => (await rowsOf(id))[0]!.attempts).toBe(1)
    const failed = (await rowsOf(id))[0]!
    expect(failed).toMatchObject({ status: 'pending', lastStatus: 500, lastError: 'http_500' })
    expect(failed.nextAttemptAt!.getTime()).toBe(t.clock.now().getTime() + 5000)
    t.clock.advance(RETRY_DELAYS_S[0])
    await all.until((r) => r.filter(of(id)).length === 2)
    await expect.poll(async () => (await rowsOf(id))[0]!.attempts).toBe(2)
    // Not due before its time.
    t.clock.advance(RETRY_DELAYS_S[1] - 1)
    await new Promise((r) => setTimeout(r, 1500))
    expect(all.received.filter(of(id))).toHaveLength(2)
    all.setMode('ok')
    t.clock.advance(1)
    await all.until((r) => r.filter(of(id)).length === 3)
    await expect.poll(async () => (await rowsOf(id))[0]!.status).toBe('delivered')
    const got = all.received.filter(of(id))
    expect(got.map((r) => r.id)).toEqual([row!.id, row!.id, row!.id])
    expect(got.map((r) => r.answered)).toEqual(['fail', 'fail', 'ok'])
    expect((await rowsOf(id))[0]!.attempts).toBe(3)
  })

  it('marks a delivery failed after the last retry; the admin API lists it and retries it', async () => {
    all.setMode('fail')
    const id = (await t.login('wh-hal')).json.user.id
    for (let attempt = 1; attempt <= RETRY_DELAYS_S.length + 1; attempt++) {
      await all.until((r) => r.filter(of(id)).length === attempt)
      await expect.poll(async () => (await rowsOf(id))[0]!.attempts).toBe(attempt)
      if (attempt <= RETRY_DELAYS_S.length) t.clock.advance(RETRY_DELAYS_S[attempt - 1]!)
    }
    const [row] = await rowsOf(id)
    expect(row).toMatchObject({ status: 'failed', attempts: 8, nextAttemptAt: null })
    const listed = await t.admin('GET', '/v1/admin/webhook-deliveries?status=failed')
    expect(listed.status).toBe(200)
    const shown = listed.json.deliveries.find((d: { id: string }) => d.id === row!.id)
    expect(shown).toMatchObject({ type: 'user.created', userId: id, status: 'failed', attempts: 8 })
    // The query of the endpoint's URL may hold a token: it is not shown.
    expect(shown.endpoint).toBe(all.url.split('?')[0])
    all.setMode('ok')
    const retried = await t.admin('POST', `/v1/admin/webhook-deliveries/${row!.id}/retry`)
    expect(retried.status).toBe(200)
    expect(retried.json.delivery).toMatchObject({ id: row!.id, status: 'pending', attempts: 0 })
    await all.until((r) => r.filter(of(id)).length === 9)
    expect(all.received.filter(of(id)).at(-1)).toMatchObject({ id: row!.id, answered: 'ok' })
    await expect.poll(async () => (await rowsOf(id))[0]!.status).toBe('delivered')
    const again = await t.admin('POST', `/v1/admin/webhook-deliveries/${row!.id}/retry`)
    expect([again.status, again.json.error.code]).toEqual([409, 'webhook_delivery_not_failed'])
  })
})

describe('the admin API of deliveries', () => {
  it('pages newest first with a cursor and filters by status', async () => {
    for (const name of ['wh-ken', 'wh-lu', 'wh-max', 'wh-nia']) {
      const id = (await t.login(name)).json.user.id
      await expect.poll(async () => (await rowsOf(id))[0]?.status).toBe('delivered')
    }
    const first = await t.admin('GET', '/v1/admin/webhook-deliveries?limit=2')
    expect(first.json.deliveries).toHaveLength(2)
    const second = await t.admin(
      'GET',
      `/v1/admin/webhook-deliveries?limit=2&cursor=${first.json.nextCursor}`,
    )
    const ids = [...first.json.deliveries, ...second.json.deliveries].map((d) => d.id)
    expect(new Set(ids).size).toBe(4)
    const all = await t.admin('GET', '/v1/admin/webhook-deliveries?limit=4')
    expect(all.json.deliveries.map((d: { id: string }) => d.id)).toEqual(ids)
    const delivered = await t.admin('GET', '/v1/admin/webhook-deliveries?status=delivered')
    expect(delivered.json.deliveries.length).toBeGreaterThan(0)
    expect(new Set(delivered.json.deliveries.map((d: { status: string }) => d.status))).toEqual(
      new Set(['delivered']),
    )
  })

  it('refuses a bad status or cursor with 400, an unknown delivery with 404', async () => {
    const bad = await t.admin('GET', '/v1/admin/webhook-deliveries?status=lost')
    expect([bad.status, bad.json.error.code]).toEqual([400, 'invalid_request'])
    const cursor = await t.admin('GET', '/v1/admin/webhook-deliveries?cursor=abc')
    expect([cursor.status, cursor.json.error.code]).toEqual([400, 'invalid_request'])
    const missing = await t.admin('POST', '/v1/admin/webhook-deliveries/msg_nope/retry')
    expect([missing.status, missing.json.error.code]).toEqual([404, 'webhook_delivery_not_found'])
    const anonymous = await t.request('GET', '/v1/admin/webhook-deliveries')
    expect(anonymous.status).toBe(401)
  })
})

describe('pruning', () => {
  it('deletes deliveries delivered over a week ago, and keeps what is still to be sent', async () => {
    const sent = (await t.login('wh-ivy')).json.user.id
    await expect.poll(async () => (await rowsOf(sent))[0]?.status).toBe('delivered')
    all.setMode('hang')
    const waiting = (await t.login('wh-jo')).json.user.id
    await all.until((r) => r.some(of(waiting)))
    t.clock.advance(6 * 86400)
    await pruneExpired(t.deps)
    expect(await rowsOf(sent)).toHaveLength(1)
    t.clock.advance(2 * 86400)
    expect((await pruneExpired(t.deps)).webhookDeliveries).toBeGreaterThanOrEqual(1)
    expect(await rowsOf(sent)).toEqual([])
    expect((await rowsOf(waiting)).map((r) => r.status)).toEqual(['pending'])
  })
})
