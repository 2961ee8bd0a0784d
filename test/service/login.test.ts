// Silent login with a wx.login code: account rules 1 and 3, audit, and what a login answer may contain.
import { count, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditEvents, users, wechatIdentities } from '../../service/db/schema'
import { APP_A, createTestApp, type TestApp } from '../helpers/test-app'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(() => t.close())

describe('POST /v1/connections/{connection}/login', () => {
  it('creates a user on the first login and returns the same one on the second', async () => {
    const first = await t.login('alice')
    expect(first.status).toBe(200)
    expect(first.json).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 })
    expect(first.json.user.id).toEqual(expect.any(String))
    expect(first.json.user.loginCount).toBe(1)
    const second = await t.login('alice')
    expect(second.status).toBe(200)
    expect(second.json.user.id).toBe(first.json.user.id)
    expect(second.json.user.loginCount).toBe(2)
    expect(second.json.refreshToken).not.toBe(first.json.refreshToken)
  })

  it('links two connections of one developer account to one user through the unionid', async () => {
    const inShop = await t.login('bob', 'shop')
    const inMall = await t.login('bob', 'mall')
    expect(inMall.status).toBe(200)
    expect(inMall.json.user.id).toBe(inShop.json.user.id)
    const identities = await t.db
      .select()
      .from(wechatIdentities)
      .where(eq(wechatIdentities.userId, inShop.json.user.id))
    expect(identities.map((i) => i.connection).sort()).toEqual(['mall', 'shop'])
  })

  it('keeps people apart in an app outside the developer account (no unionid)', async () => {
    const inShop = await t.login('carol', 'shop')
    const solo = await t.login('carol', 'solo')
    expect(solo.json.user.id).not.toBe(inShop.json.user.id)
  })

  it('creates exactly one user for 20 concurrent first logins of one person', async () => {
    const codes = await Promise.all(Array.from({ length: 20 }, () => t.mintCode('dave', 'solo')))
    const answers = await Promise.all(
      codes.map((code) => t.request('POST', '/v1/connections/solo/login', { code })),
    )
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200))
    expect(new Set(answers.map((a) => a.json.user.id)).size).toBe(1)
    const [row] = await t.db
      .select({ n: count() })
      .from(wechatIdentities)
      .where(eq(wechatIdentities.userId, answers[0]!.json.user.id))
    expect(row!.n).toBe(1)
    const [user] = await t.db.select().from(users).where(eq(users.id, answers[0]!.json.user.id))
    expect(user!.loginCount).toBe(20)
  })

  it('creates one user when one person logs in to two apps of one developer account at once', async () => {
    const codes = await Promise.all([
      ...Array.from({ length: 5 }, () => t.mintCode('erin', 'shop')),
      ...Array.from({ length: 5 }, () => t.mintCode('erin', 'mall')),
    ])
    const answers = await Promise.all(
      codes.map((code, i) =>
        t.request('POST', `/v1/connections/${i < 5 ? 'shop' : 'mall'}/login`, { code }),
      ),
    )
    expect(new Set(answers.map((a) => a.json.user.id)).size).toBe(1)
  })

  it('rejects a code that was already used', async () => {
    const code = await t.mintCode('frank')
    expect((await t.request('POST', '/v1/connections/shop/login', { code })).status).toBe(200)
    const again = await t.request('POST', '/v1/connections/shop/login', { code })
    expect(again.status).toBe(400)
    expect(again.json.error.code).toBe('invalid_code')
  })

  it('answers 404 connection_not_found for an unknown connection', async () => {
    const res = await t.request('POST', '/v1/connections/nope/login', { code: 'x'.repeat(32) })
    expect(res.status).toBe(404)
    expect(res.json.error.code).toBe('connection_not_found')
    expect(res.json.requestId).toEqual(expect.any(String))
  })

  it('stores the session_key sealed, never in clear, and never answers it', async () => {
    const code = await t.mintCode('grace')
    const minted = await t.simControl('/login-codes', { appId: APP_A.appId, user: 'grace' })
    const res = await t.request('POST', '/v1/connections/shop/login', { code })
    const [identity] = await t.db
      .select()
      .from(wechatIdentities)
      .where(eq(wechatIdentities.userId, res.json.user.id))
    expect(identity!.sessionKeyEnc).toMatch(/^v1\./)
    expect(identity!.sessionKeyEnc).not.toContain(minted.sessionKey)
    expect(t.deps.sealer.open(identity!.sessionKeyEnc!, 'session_key')).toBe(minted.sessionKey)
    expect(res.text).not.toContain(minted.sessionKey)
    expect(res.text).not.toContain(APP_A.appSecret)
  })

  it('writes an audit event for a success and for a failure', async () => {
    const ok = await t.login('heidi')
    const bad = await t.request('POST', '/v1/connections/shop/login', { code: 'A'.repeat(32) })
    expect(bad.json.error.code).toBe('invalid_code')
    const events = await t.db.select().from(auditEvents)
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'login.succeeded',
        userId: ok.json.user.id,
        connection: 'shop',
      }),
    )
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'login.failed',
        connection: 'shop',
        detail: { method: 'code', code: 'invalid_code' },
      }),
    )
  })
})
