// Our Mini Program SDK against the real service and the WeChat simulator, through the wx shim: login,
// profile, phone, refresh (ahead of expiry, on a 401, shared by concurrent calls), logout, errors.
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WechatLogin, type Session } from '../../client/src'
import { auditEvents } from '../../service/db/schema'
import { APP_A, createTestApp, type TestApp } from '../helpers/test-app'
import { rejection } from './rejection'
import { createWxShim } from './wx-shim'

const KEY = 'wechat-login-stack:session'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(() => t.close())

function client(
  user: string,
  options: { connection?: string; now?: () => number; relogin?: boolean } = {},
) {
  const shim = createWxShim({ simUrl: t.sim.url, appId: APP_A.appId, user })
  const sdk = new WechatLogin({
    endpoint: t.url,
    connection: options.connection ?? 'shop',
    wx: shim.wx,
    now: options.now ?? (() => t.clock.now().getTime()),
    relogin: options.relogin,
  })
  return { shim, sdk, stored: () => shim.stored(KEY) as Session | '' }
}

const refreshCalls = (shim: ReturnType<typeof createWxShim>) =>
  shim.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/v1/token')).length

async function refreshedEvents(userId: string) {
  const rows = await t.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.type, 'token.refreshed'), eq(auditEvents.userId, userId)))
  return rows.length
}

describe('WechatLogin', () => {
  it('logs in with a fresh wx.login code each time and keeps the session in wx storage', async () => {
    const { sdk, stored } = client('amy')
    const first = await sdk.loginByCode()
    expect(stored()).toEqual({
      accessToken: first.accessToken,
      refreshToken: first.refreshToken,
      expiresAt: t.clock.now().getTime() + 3600_000,
      user: first.user,
    })
    const second = await sdk.loginByCode()
    expect(second.user.id).toBe(first.user.id)
    expect(second.user.loginCount).toBe(2)
    expect(sdk.getSession()?.accessToken).toBe(second.accessToken)
  })

  it('updates the profile through POST with a PATCH override and keeps the stored user current', async () => {
    const { sdk, stored } = client('ben')
    await sdk.loginByCode()
    const user = await sdk.updateProfile({ nickname: 'Ben', gender: 'male' })
    expect(user).toMatchObject({ nickname: 'Ben', gender: 'male' })
    expect((stored() as Session).user.nickname).toBe('Ben')
    expect((await sdk.getCurrentUser()).nickname).toBe('Ben')
    const bad = await rejection(sdk.updateProfile({ avatar: 'http://insecure.example/a.png' }))
    expect(bad).toMatchObject({ code: 'invalid_request', status: 400 })
  })

  it('refreshes an expired access token before calling, rotating the stored tokens', async () => {
    const { sdk, shim, stored } = client('cat')
    const login = await sdk.loginByCode()
    t.clock.advance(3601)
    const res = await sdk.request({ url: '/v1/me' })
    expect(res.statusCode).toBe(200)
    expect(refreshCalls(shim)).toBe(1)
    const now = stored() as Session
    expect(now.accessToken).not.toBe(login.accessToken)
    expect(now.refreshToken).not.toBe(login.refreshToken)
    expect(now.expiresAt).toBe(t.clock.now().getTime() + 3600_000)
  })

  it('makes exactly one refresh for ten concurrent requests after expiry, across two instances', async () => {
    const { sdk, shim } = client('dan')
    const login = await sdk.loginByCode()
    const other = new WechatLogin({
      endpoint: t.url,
      connection: 'shop',
      wx: shim.wx,
      now: () => t.clock.now().getTime(),
    })
    t.clock.advance(3601)
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? sdk : other).request({ url: '/v1/me' })),
    )
    expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(200))
    expect(refreshCalls(shim)).toBe(1)
    expect(await refreshedEvents(login.user.id)).toBe(1)
  })

  it('refreshes once and retries when the server says token_expired though the SDK clock disagrees', async () => {
    const frozen = t.clock.now().getTime()
    const { sdk, shim } = client('eve', { now: () => frozen })
    const login = await sdk.loginByCode()
    t.clock.advance(3601)
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => sdk.request({ url: '/v1/me' })),
    )
    expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(200))
    expect(refreshCalls(shim)).toBe(1)
    expect(await refreshedEvents(login.user.id)).toBe(1)
  })

  it('clears storage and throws refresh_token_reused when the refresh token was used elsewhere and relogin is off', async () => {
    const { sdk, stored } = client('fay', { relogin: false })
    const login = await sdk.loginByCode()
    const stolen = await t.request('POST', '/v1/token', { refreshToken: login.refreshToken })
    expect(stolen.status).toBe(200)
    t.clock.advance(3601)
    const err = await rejection(sdk.getCurrentUser())
    expect(err).toMatchObject({ code: 'refresh_token_reused', status: 401 })
    expect(stored()).toBe('')
    expect((await rejection(sdk.getCurrentUser())).code).toBe('not_logged_in')
  })

  it('logs out on the server and clears storage, and still clears it when offline', async () => {
    const { sdk, shim, stored } = client('gus')
    const login = await sdk.loginByCode()
    await sdk.logout()
    expect(stored()).toBe('')
    const me = await t.request('GET', '/v1/me', undefined, t.bearer(login.accessToken))
    expect(me.json.error.code).toBe('session_revoked')

    await sdk.loginByCode()
    shim.state.offline = true
    await sdk.logout()
    expect(stored()).toBe('')
  })

  it('logs in by phone, reads a phone number and binds one, with getPhoneNumber codes', async () => {
    const phoneCode = async (phoneNumber: string) =>
      (await t.simControl('/phone-codes', { appId: APP_A.appId, phoneNumber })).code as string
    const { sdk } = client('hal')
    expect(await sdk.getPhone(await phoneCode('13800138001'))).toMatchObject({
      phone: '+8613800138001',
      purePhoneNumber: '13800138001',
      countryCode: '86',
    })
    const byPhone = await sdk.loginByPhone(await phoneCode('13800138001'))
    expect(byPhone.user.phone).toBe('+8613800138001')

    const other = client('ivy')
    await other.sdk.loginByCode()
    const bound = await other.sdk.bindPhone(await phoneCode('13800138002'))
    expect(bound.phone).toBe('+8613800138002')
    expect((other.stored() as Session).user.phone).toBe('+8613800138002')
  })

  it('deletes the account and forgets the session', async () => {
    const { sdk, stored } = client('jay')
    const before = await sdk.loginByCode()
    await sdk.deleteAccount()
    expect(stored()).toBe('')
    const after = await sdk.loginByCode()
    expect(after.user.id).not.toBe(before.user.id)
  })

  it('surfaces server and client failures as WechatLoginError codes', async () => {
    const used = await t.mintCode('kim')
    expect((await t.request('POST', '/v1/connections/shop/login', { code: used })).status).toBe(200)
    const { sdk, shim } = client('kim')
    shim.state.fixedCode = used
    expect(await rejection(sdk.loginByCode())).toMatchObject({ code: 'invalid_code', status: 400 })

    const nowhere = client('kim', { connection: 'nowhere' })
    expect(await rejection(nowhere.sdk.loginByCode())).toMatchObject({
      code: 'connection_not_found',
      status: 404,
    })
    expect(await rejection(nowhere.sdk.getCurrentUser())).toMatchObject({
      code: 'not_logged_in',
      status: 0,
    })
    const offline = client('kim')
    offline.shim.state.offline = true
    expect(await rejection(offline.sdk.loginByCode())).toMatchObject({
      code: 'network_error',
      status: 0,
    })
  })

  it('answers POST /v1/me without the PATCH override with 405 method_not_allowed', async () => {
    const login = await t.login('lou')
    const res = await t.request(
      'POST',
      '/v1/me',
      { nickname: 'x' },
      t.bearer(login.json.accessToken),
    )
    expect(res.status).toBe(405)
    expect(res.json.error.code).toBe('method_not_allowed')
  })
})
