// DELETE /v1/me: the account and its data go, its tokens stop working at once, the audit log keeps only the fact.
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  auditEvents,
  refreshTokens,
  sessions,
  users,
  wechatIdentities,
} from '../../service/db/schema'
import { APP_A, createTestApp, type TestApp } from '../helpers/test-app'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(() => t.close())

describe('DELETE /v1/me', () => {
  it('removes the user, its identities and sessions, and answers 204', async () => {
    const login = await t.phoneLogin('del-ada', '13300133000')
    await t.login('del-ada', 'mall')
    const id = login.json.user.id
    const res = await t.request('DELETE', '/v1/me', undefined, t.bearer(login.json.accessToken))
    expect(res.status).toBe(204)
    expect(res.text).toBe('')
    expect(await t.db.select().from(users).where(eq(users.id, id))).toEqual([])
    expect(
      await t.db.select().from(wechatIdentities).where(eq(wechatIdentities.userId, id)),
    ).toEqual([])
    expect(await t.db.select().from(sessions).where(eq(sessions.userId, id))).toEqual([])
  })

  it("ends every one of the user's sessions at once: access tokens 401, refresh tokens refused", async () => {
    const first = await t.login('del-bo', 'shop')
    const second = await t.login('del-bo', 'mall')
    const res = await t.request('DELETE', '/v1/me', undefined, t.bearer(first.json.accessToken))
    expect(res.status).toBe(204)
    for (const login of [first, second]) {
      const me = await t.request('GET', '/v1/me', undefined, t.bearer(login.json.accessToken))
      expect(me.status).toBe(401)
      expect(me.json.error.code).toBe('session_revoked')
      const refresh = await t.request('POST', '/v1/token', {
        refreshToken: login.json.refreshToken,
      })
      expect(refresh.status).toBe(401)
      expect(refresh.json.error.code).toBe('refresh_token_invalid')
    }
    const sid = JSON.parse(
      Buffer.from(first.json.accessToken.split('.')[1], 'base64url').toString(),
    ).sid
    expect(await t.db.select().from(refreshTokens).where(eq(refreshTokens.sessionId, sid))).toEqual(
      [],
    )
  })

  it('keeps a user.deleted audit event without personal data', async () => {
    const login = await t.phoneLogin('del-cy', '13300133001')
    const auth = t.bearer(login.json.accessToken)
    await t.request('PATCH', '/v1/me', { nickname: 'Cyrano' }, auth)
    const minted = await t.simControl('/login-codes', { appId: APP_A.appId, user: 'del-cy' })
    await t.request('DELETE', '/v1/me', undefined, auth)
    const [event, ...more] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.type, 'user.deleted'), eq(auditEvents.userId, login.json.user.id)))
    expect(more).toEqual([])
    expect(event).toMatchObject({
      userId: login.json.user.id,
      connection: 'shop',
      detail: { by: 'self' },
    })
    const text = JSON.stringify(event)
    for (const personal of ['13300133001', 'Cyrano', minted.openid, minted.unionid])
      expect(text).not.toContain(personal)
    expect(event!.ip).toBeNull()
  })

  it('frees the phone and lets the same person start again as a new account', async () => {
    const login = await t.phoneLogin('del-di', '13300133002')
    await t.request('DELETE', '/v1/me', undefined, t.bearer(login.json.accessToken))
    const again = await t.phoneLogin('del-di', '13300133002')
    expect(again.status).toBe(200)
    expect(again.json.user.id).not.toBe(login.json.user.id)
    expect(again.json.user.phone).toBe('+8613300133002')
    expect(again.json.user.loginCount).toBe(1)
  })

  it('needs a bearer token', async () => {
    const res = await t.request('DELETE', '/v1/me')
    expect(res.status).toBe(401)
    expect(res.json.error.code).toBe('token_missing')
  })
})
