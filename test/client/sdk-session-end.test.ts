// Every way a stored session ends (logged out elsewhere, blocked, deleted, refresh token reused, a token
// that nothing mends) against the real service: storage is cleared, onSessionEnd hears it once, and a
// silent login takes over where it can. Also the relaunch pattern, the TTL warning, phone credentials.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { WechatLogin, type SessionEnd, type User } from '../../client/src'
import { APP_A, createTestApp, type TestApp } from '../helpers/test-app'
import { rejection } from './rejection'
import { createWxShim, type WxShim } from './wx-shim'

const ADMIN_KEY = 'admin-key-for-session-end-tests-0123456789'
const KEY = 'wechat-login-stack:session'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_API_KEY: ADMIN_KEY } })
})
afterAll(() => t.close())

function client(user: string, options: { relogin?: boolean; shim?: WxShim } = {}) {
  const shim = options.shim ?? createWxShim({ simUrl: t.sim.url, appId: APP_A.appId, user })
  const ends: SessionEnd[] = []
  const sdk = new WechatLogin({
    endpoint: t.url,
    connection: 'shop',
    wx: shim.wx,
    now: () => t.clock.now().getTime(),
    relogin: options.relogin,
    onSessionEnd: (end) => ends.push(end),
  })
  const logins = () => shim.requests.filter((r) => r.url.endsWith('/login')).length
  return { shim, sdk, ends, logins, stored: () => shim.stored(KEY) }
}

describe('a session that ended on the server', () => {
  it('logged out elsewhere: clears it, reports session_revoked once and logs in again silently', async () => {
    const { sdk, ends, logins } = client('ann')
    const first = await sdk.loginByCode()
    await t.request('POST', '/v1/logout', undefined, t.bearer(first.accessToken))

    const user = await sdk.getCurrentUser()
    expect(user.id).toBe(first.user.id)
    expect(ends).toEqual([{ code: 'session_revoked', relogin: true }])
    expect(logins()).toBe(2)
    const now = sdk.getSession()!
    expect(now.accessToken).not.toBe(first.accessToken)
    const me = await t.request('GET', '/v1/me', undefined, t.bearer(now.accessToken))
    expect(me.status).toBe(200)
  })

  it('eight calls that find the session revoked at once share one silent login', async () => {
    const { sdk, ends, logins } = client('bob')
    const first = await sdk.loginByCode()
    await t.request('POST', '/v1/logout', undefined, t.bearer(first.accessToken))
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => sdk.request<{ user: User }>({ url: '/v1/me' })),
    )
    expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(200))
    expect(answers.every((a) => a.data.user.id === first.user.id)).toBe(true)
    expect(ends).toHaveLength(1)
    expect(logins()).toBe(2)
  })

  it('blocked: clears it, reports user_blocked without a silent login and throws it', async () => {
    const { sdk, ends, logins, stored } = client('cal')
    const { user } = await sdk.loginByCode()
    expect(
      (await t.admin('PATCH', `/v1/admin/users/${user.id}`, { status: 'blocked' })).status,
    ).toBe(200)

    const err = await rejection(sdk.request({ url: '/v1/me' }))
    expect(err).toMatchObject({ code: 'user_blocked', status: 403 })
    expect(ends).toEqual([{ code: 'user_blocked', relogin: false }])
    expect(logins()).toBe(1)
    expect(stored()).toBe('')
  })

  it('deleted by an administrator: clears it and the silent login makes a new account', async () => {
    const { sdk, ends } = client('dee')
    const { user } = await sdk.loginByCode()
    expect((await t.admin('DELETE', `/v1/admin/users/${user.id}`)).status).toBe(204)

    const again = await sdk.getCurrentUser()
    expect(again.id).not.toBe(user.id)
    expect(ends).toEqual([{ code: 'session_revoked', relogin: true }])
  })

  it('refresh token reused: the refresh answer ends it and a silent login replaces it', async () => {
    const { sdk, ends, stored } = client('eli')
    const first = await sdk.loginByCode()
    await t.request('POST', '/v1/token', { refreshToken: first.refreshToken })
    t.clock.advance(3601)
    expect((await sdk.getCurrentUser()).id).toBe(first.user.id)
    expect(ends).toEqual([{ code: 'refresh_token_reused', relogin: true }])
    expect(stored()).toMatchObject({ user: { id: first.user.id } })
  })

  it('a token the server rejects as invalid is refreshed; when the refresh fails too, a new login takes over', async () => {
    const { sdk, shim, ends } = client('fox')
    const first = await sdk.loginByCode()
    shim.wx.setStorageSync(KEY, { ...first, accessToken: 'not.a.jwt' })
    expect((await sdk.request({ url: '/v1/me' })).statusCode).toBe(200)
    expect(ends).toEqual([])

    shim.wx.setStorageSync(KEY, {
      ...sdk.getSession()!,
      accessToken: 'x.y.z',
      refreshToken: 'gone',
    })
    expect((await sdk.getCurrentUser()).id).toBe(first.user.id)
    expect(ends).toEqual([{ code: 'refresh_token_invalid', relogin: true }])
  })

  it('with relogin off, throws the code with its status and leaves the next login to the page', async () => {
    const { sdk, ends, logins, stored } = client('gil', { relogin: false })
    const first = await sdk.loginByCode()
    await t.request('POST', '/v1/logout', undefined, t.bearer(first.accessToken))
    const err = await rejection(sdk.getCurrentUser())
    expect(err).toMatchObject({ code: 'session_revoked', status: 401 })
    expect(ends).toEqual([{ code: 'session_revoked', relogin: false }])
    expect(stored()).toBe('')
    expect(logins()).toBe(1)
    expect((await rejection(sdk.getCurrentUser())).code).toBe('not_logged_in')
  })
})

describe('the relaunch pattern (App.onLaunch: await auth.ensureLogin())', () => {
  it('logs in when nothing is stored, and replaces a session revoked while the app was closed', async () => {
    const shim = createWxShim({ simUrl: t.sim.url, appId: APP_A.appId, user: 'hal' })
    const launch = () => client('hal', { shim })
    const first = launch()
    const user = await first.sdk.ensureLogin()
    expect(first.logins()).toBe(1)

    // Closed; the session is revoked elsewhere; the next launch is a new instance over the same storage.
    const dead = first.sdk.getSession()!
    await t.request('POST', '/v1/logout', undefined, t.bearer(dead.accessToken))
    const second = launch()
    expect((await second.sdk.ensureLogin()).id).toBe(user.id)
    expect(second.ends).toEqual([{ code: 'session_revoked', relogin: true }])
    expect(second.sdk.getSession()!.accessToken).not.toBe(dead.accessToken)

    // A third launch with a live session spends no login.
    const third = launch()
    expect((await third.sdk.ensureLogin()).id).toBe(user.id)
    expect(shim.requests.filter((r) => r.url.endsWith('/login')).length).toBe(2)
  })
})

describe('requests', () => {
  it('name their content type on every call, whatever wx.request would default to', async () => {
    const { sdk, shim } = client('ian')
    await sdk.loginByCode()
    await sdk.updateProfile({ nickname: 'Ian' })
    await sdk.request({ url: '/v1/me' })
    t.clock.advance(3601)
    await sdk.request({
      url: '/v1/me',
      header: { 'Content-Type': 'application/json; charset=utf-8' },
    })
    expect(shim.requests.length).toBeGreaterThanOrEqual(5)
    for (const r of shim.requests)
      expect(Object.keys(r.header).filter((k) => k.toLowerCase() === 'content-type')).toHaveLength(
        1,
      )
  })
})

describe('an access token TTL no longer than the leeway', () => {
  it('warns once and refreshes at half the token life instead of before every call', async () => {
    const short = await createTestApp({ env: { ACCESS_TOKEN_TTL: '60' } })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      const shim = createWxShim({ simUrl: short.sim.url, appId: APP_A.appId, user: 'jo' })
      const now = () => short.clock.now().getTime()
      const sdk = new WechatLogin({ endpoint: short.url, connection: 'shop', wx: shim.wx, now })
      await sdk.loginByCode()
      expect(warn).toHaveBeenCalledTimes(1)
      expect(String(warn.mock.calls[0]![0])).toMatch(/live 60 s.*refreshLeewaySeconds \(60\)/)
      const refreshes = () => shim.requests.filter((r) => r.url.endsWith('/v1/token')).length
      await sdk.request({ url: '/v1/me' })
      await sdk.request({ url: '/v1/me' })
      expect(refreshes()).toBe(0)
      short.clock.advance(31)
      await sdk.request({ url: '/v1/me' })
      expect(refreshes()).toBe(1)
    } finally {
      warn.mockRestore()
      await short.close()
    }
  })
})

describe('phone credentials', () => {
  const phoneCode = async (phoneNumber: string) =>
    (await t.simControl('/phone-codes', { appId: APP_A.appId, phoneNumber })).code as string

  it('take the event detail as it comes: the code, or the legacy encryptedData and iv', async () => {
    const { sdk } = client('kit')
    const code = await phoneCode('13800138011')
    const byCode = await sdk.loginByPhone({ code, encryptedData: 'ignored', iv: 'ignored' })
    expect(byCode.user.phone).toBe('+8613800138011')

    const other = client('lea')
    await other.sdk.loginByCode()
    // Earlier tests moved the service's clock on; WeChat's watermark must be as fresh by it as by WeChat's.
    await t.simControl('/clock', { advanceMs: t.clock.now().getTime() - Date.now() })
    const legacy = await t.simControl('/encrypted-phone', {
      appId: APP_A.appId,
      user: 'lea',
      phoneNumber: '13800138012',
    })
    expect(await other.sdk.getPhone(legacy)).toMatchObject({ phone: '+8613800138012' })
    expect((await other.sdk.bindPhone(legacy)).phone).toBe('+8613800138012')
  })

  it('are single use: a second call with the same code answers invalid_phone_code', async () => {
    const { sdk } = client('max')
    const code = await phoneCode('13800138013')
    await sdk.getPhone(code)
    expect(await rejection(sdk.loginByPhone(code))).toMatchObject({
      code: 'invalid_phone_code',
      status: 400,
    })
  })

  it('answer phone_declined, without a call, for the detail of a user who said no', async () => {
    const { sdk, shim } = client('ned')
    const err = await rejection(
      sdk.loginByPhone({ errMsg: 'getPhoneNumber:fail user deny' } as object),
    )
    expect(err).toMatchObject({ code: 'phone_declined', status: 0 })
    expect(shim.requests).toHaveLength(0)
  })
})
