// The admin API on one user: reading it with identities and sessions, blocking and unblocking, deleting.
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashToken } from '../../service/crypto/random'
import { auditEvents, wechatIdentities } from '../../service/db/schema'
import { APP_A, createTestApp, type TestApp } from '../helpers/test-app'

const ADMIN_KEY = 'admin-key-for-tests-0123456789'

let t: TestApp

beforeAll(async () => {
  t = await createTestApp({
    env: { ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_IP_PER_MINUTE: '0' },
  })
})
afterAll(() => t.close())

async function loginAs(user: string, connection = 'shop') {
  const res = await t.login(user, connection)
  expect(res.status).toBe(200)
  return res.json as { user: { id: string }; accessToken: string; refreshToken: string }
}

const auditOf = (userId: string, type: string) =>
  t.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.userId, userId), eq(auditEvents.type, type)))

describe('GET /v1/admin/users/{id}', () => {
  it('shows the user with identities and sessions, never a session_key or a token hash', async () => {
    const minted = await t.simControl('/login-codes', { appId: APP_A.appId, user: 'shown' })
    const login = await t.request(
      'POST',
      '/v1/connections/shop/login',
      { code: minted.code },
      {
        'user-agent': 'admin-test',
      },
    )
    const { id } = login.json.user
    await loginAs('shown', 'mall')
    const res = await t.admin('GET', `/v1/admin/users/${id}`)
    expect(res.status).toBe(200)
    const { user } = res.json
    expect(user).toMatchObject({ id, status: 'active', loginCount: 2 })
    expect(user.identities).toHaveLength(2)
    const inShop = user.identities.find((i: { connection: string }) => i.connection === 'shop')
    expect(inShop).toEqual({
      connection: 'shop',
      appId: APP_A.appId,
      openid: minted.openid,
      unionid: minted.unionid,
      createdAt: expect.any(String),
    })
    expect(user.sessions).toHaveLength(2)
    expect(Object.keys(user.sessions[0]).sort()).toEqual(
      [
        'active',
        'connection',
        'createdAt',
        'expiresAt',
        'id',
        'ip',
        'lastRefreshedAt',
        'revokedAt',
        'revokedReason',
        'userAgent',
      ].sort(),
    )
    expect(
      user.sessions.find((s: { connection: string }) => s.connection === 'shop'),
    ).toMatchObject({
      active: true,
      revokedAt: null,
      userAgent: 'admin-test',
      ip: expect.any(String),
    })
    const [identity] = await t.db
      .select()
      .from(wechatIdentities)
      .where(eq(wechatIdentities.openid, minted.openid))
    for (const secret of [
      minted.sessionKey,
      identity!.sessionKeyEnc!,
      login.json.refreshToken,
      hashToken(login.json.refreshToken),
    ])
      expect(res.text).not.toContain(secret)
  })

  it('answers 404 user_not_found for an unknown id', async () => {
    const res = await t.admin('GET', '/v1/admin/users/no-such-user')
    expect(res.status).toBe(404)
    expect(res.json.error.code).toBe('user_not_found')
  })
})

describe('PATCH /v1/admin/users/{id}', () => {
  it('blocks: login, refresh and existing access tokens are refused with 403 user_blocked', async () => {
    const before = await loginAs('blocked-one')
    const id = before.user.id
    const res = await t.admin('PATCH', `/v1/admin/users/${id}`, { status: 'blocked' })
    expect(res.status).toBe(200)
    expect(res.json.user.status).toBe('blocked')
    expect(res.json.user.sessions[0].active).toBe(false)

    const me = await t.request('GET', '/v1/me', undefined, t.bearer(before.accessToken))
    expect(me.status).toBe(403)
    expect(me.json.error.code).toBe('user_blocked')
    const refresh = await t.request('POST', '/v1/token', { refreshToken: before.refreshToken })
    expect(refresh.status).toBe(403)
    expect(refresh.json.error.code).toBe('user_blocked')
    const login = await t.login('blocked-one')
    expect(login.status).toBe(403)
    expect(login.json.error.code).toBe('user_blocked')

    const [event] = await auditOf(id, 'user.blocked')
    expect(event!.detail).toMatchObject({ actor: 'admin' })
  })

  it('unblocks: login works again and sessions from before the block stay ended', async () => {
    const before = await loginAs('unblocked-one')
    const id = before.user.id
    await t.admin('PATCH', `/v1/admin/users/${id}`, { status: 'blocked' })
    const res = await t.admin('PATCH', `/v1/admin/users/${id}`, { status: 'active' })
    expect(res.status).toBe(200)
    expect(res.json.user.status).toBe('active')
    expect(res.json.user.sessions[0]).toMatchObject({
      active: false,
      revokedReason: 'user_blocked',
    })

    const old = await t.request('GET', '/v1/me', undefined, t.bearer(before.accessToken))
    expect(old.json.error.code).toBe('session_revoked')
    const refresh = await t.request('POST', '/v1/token', { refreshToken: before.refreshToken })
    expect(refresh.status).toBe(401)
    const again = await loginAs('unblocked-one')
    expect(again.user.id).toBe(id)
    const me = await t.request('GET', '/v1/me', undefined, t.bearer(again.accessToken))
    expect(me.status).toBe(200)

    const [event] = await auditOf(id, 'user.unblocked')
    expect(event!.detail).toEqual({ actor: 'admin', sessionsRevoked: 1 })
  })

  it('leaves an active user’s sessions alone when asked to make it active', async () => {
    const { user, accessToken } = await loginAs('already-active')
    const res = await t.admin('PATCH', `/v1/admin/users/${user.id}`, { status: 'active' })
    expect(res.status).toBe(200)
    expect((await t.request('GET', '/v1/me', undefined, t.bearer(accessToken))).status).toBe(200)
    expect(await auditOf(user.id, 'user.unblocked')).toHaveLength(0)
  })

  it('answers 404 user_not_found for an unknown id and 400 for another status', async () => {
    const missing = await t.admin('PATCH', '/v1/admin/users/no-such-user', { status: 'blocked' })
    expect(missing.status).toBe(404)
    expect(missing.json.error.code).toBe('user_not_found')
    const { user } = await loginAs('bad-status')
    const bad = await t.admin('PATCH', `/v1/admin/users/${user.id}`, { status: 'deleted' })
    expect(bad.status).toBe(400)
    expect(bad.json.error).toMatchObject({ code: 'invalid_request', field: 'status' })
  })
})

describe('DELETE /v1/admin/users/{id}', () => {
  it('deletes the user and its data: 204, then 404, and its tokens stop working', async () => {
    const { user, accessToken } = await loginAs('deleted-one')
    const res = await t.admin('DELETE', `/v1/admin/users/${user.id}`)
    expect(res.status).toBe(204)
    expect((await t.admin('GET', `/v1/admin/users/${user.id}`)).json.error.code).toBe(
      'user_not_found',
    )
    const me = await t.request('GET', '/v1/me', undefined, t.bearer(accessToken))
    expect(me.status).toBe(401)
    const [event] = await auditOf(user.id, 'user.deleted')
    expect(event!.detail).toMatchObject({ by: 'admin' })
  })

  it('answers 404 user_not_found when there is no such user', async () => {
    const res = await t.admin('DELETE', '/v1/admin/users/no-such-user')
    expect(res.status).toBe(404)
    expect(res.json.error.code).toBe('user_not_found')
  })
})

describe('POST /v1/admin/users/{id}/sessions/revoke', () => {
  it('ends every live session: refresh and access tokens stop working, a new login works', async () => {
    const { user, accessToken, refreshToken } = await loginAs('revoked-everywhere')
    await loginAs('revoked-everywhere')
    const res = await t.admin('POST', `/v1/admin/users/${user.id}/sessions/revoke`)
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ sessionsRevoked: 2 })
    expect(
      (await t.request('GET', '/v1/me', undefined, t.bearer(accessToken))).json.error.code,
    ).toBe('session_revoked')
    expect((await t.request('POST', '/v1/token', { refreshToken })).status).toBe(401)
    expect((await t.login('revoked-everywhere')).status).toBe(200)
    const [event] = await auditOf(user.id, 'session.revoked')
    expect(event!.detail).toEqual({ actor: 'admin', sessionsRevoked: 2 })
  })

  it('answers 404 user_not_found when there is no such user', async () => {
    const res = await t.admin('POST', '/v1/admin/users/no-such-user/sessions/revoke')
    expect(res.status).toBe(404)
    expect(res.json.error.code).toBe('user_not_found')
  })
})
