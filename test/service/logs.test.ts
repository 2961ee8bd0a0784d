// Request logs: one JSON line per request naming the route pattern, never a secret; X-Request-Id on every
// response, errors and unknown paths included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  APP_A,
  APP_B,
  APP_SOLO,
  MASTER_KEY,
  createTestApp,
  type TestApp,
} from '../helpers/test-app'

const ADMIN_KEY = 'admin-key-for-logs-0123456789'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_IP_PER_MINUTE: '0' } })
})
afterAll(() => t.close())

interface RequestLine {
  msg: string
  level: string
  requestId: string
  method: string
  route: string | null
  status: number
  latencyMs: number
  connection?: string
  ip?: string
  userId?: string
}

const requestLines = (): RequestLine[] =>
  t.logs.map((l) => JSON.parse(l) as RequestLine).filter((l) => l.msg === 'request')

function lineFor(res: { headers: Headers }): RequestLine {
  const id = res.headers.get('x-request-id')
  expect(id).toBeTruthy()
  const lines = requestLines().filter((l) => l.requestId === id)
  expect(lines).toHaveLength(1)
  return lines[0]!
}

describe('the request log', () => {
  it('writes one line per request with the route pattern, status, latency, connection and ip', async () => {
    const res = await t.login('logged')
    expect(lineFor(res)).toEqual({
      level: 'info',
      time: expect.any(String),
      msg: 'request',
      requestId: res.headers.get('x-request-id'),
      method: 'POST',
      route: '/v1/connections/:connection/login',
      status: 200,
      latencyMs: expect.any(Number),
      connection: 'shop',
      ip: expect.any(String),
    })
    const me = await t.request('GET', '/v1/me', undefined, t.bearer(res.json.accessToken))
    expect(lineFor(me)).toMatchObject({
      route: '/v1/me',
      status: 200,
      connection: 'shop',
      userId: res.json.user.id,
    })
  })

  it('logs errors and unknown paths too, each answered with X-Request-Id', async () => {
    const denied = await t.request('GET', '/v1/me')
    expect(lineFor(denied)).toMatchObject({ route: '/v1/me', status: 401 })
    const missing = await t.request('GET', '/no/such/path')
    expect(missing.status).toBe(404)
    expect(lineFor(missing)).toMatchObject({ method: 'GET', route: null, status: 404 })
    const bad = await t.request('POST', '/v1/connections/mall/login', '{')
    expect(lineFor(bad)).toMatchObject({ status: 400, connection: 'mall' })
    const admin = await t.request('GET', '/v1/admin/users/nobody', undefined, {
      authorization: `Bearer ${ADMIN_KEY}`,
    })
    expect(lineFor(admin)).toMatchObject({ route: '/v1/admin/users/:id', status: 404 })
  })

  it('keeps the id a caller sends in X-Request-Id', async () => {
    const res = await t.request('GET', '/healthz', undefined, { 'x-request-id': 'trace-1234' })
    expect(res.headers.get('x-request-id')).toBe('trace-1234')
    expect(lineFor(res).route).toBe('/healthz')
  })

  it('never logs a query string', async () => {
    const res = await t.request('GET', '/v1/admin/users?nickname=QuerySecret', undefined, {
      authorization: `Bearer ${ADMIN_KEY}`,
    })
    expect(lineFor(res)).toMatchObject({ route: '/v1/admin/users', status: 200 })
    await t.request('GET', '/api/v2/logout?app_id=AppIdInQuery')
    expect(t.logs.join('\n')).not.toMatch(/QuerySecret|AppIdInQuery/)
  })
})

describe('secrets', () => {
  it('never appear in any log line after logins, refreshes, phone calls and admin calls', async () => {
    const secrets: string[] = [APP_A.appSecret, APP_B.appSecret, APP_SOLO.appSecret, MASTER_KEY]
    secrets.push(ADMIN_KEY)
    for (const [user, connection, appId] of [
      ['s-one', 'shop', APP_A.appId],
      ['s-two', 'mall', APP_B.appId],
    ] as const) {
      const minted = await t.simControl('/login-codes', { appId, user })
      secrets.push(minted.sessionKey)
      const login = await t.request('POST', `/v1/connections/${connection}/login`, {
        code: minted.code,
      })
      expect(login.status).toBe(200)
      secrets.push(login.json.accessToken, login.json.refreshToken)
      const refreshed = await t.request('POST', '/v1/token', {
        refreshToken: login.json.refreshToken,
      })
      secrets.push(refreshed.json.accessToken, refreshed.json.refreshToken)
      // A reused refresh token is the one place a token arrives where it should not.
      await t.request('POST', '/v1/token', { refreshToken: login.json.refreshToken })
      const phoneCode = await t.simControl('/phone-codes', {
        appId,
        phoneNumber: '13700137000',
        countryCode: '86',
      })
      const phone = await t.request('POST', `/v1/connections/${connection}/phone`, {
        code: await t.mintCode(user, connection),
        phoneCode: phoneCode.code,
      })
      expect(phone.status).toBe(200)
    }
    const adminHeaders = { authorization: `Bearer ${ADMIN_KEY}` }
    const wx = await t.request(
      'GET',
      '/v1/admin/connections/shop/wechat-access-token',
      undefined,
      adminHeaders,
    )
    expect(wx.status).toBe(200)
    secrets.push(wx.json.accessToken)
    await t.request('GET', '/v1/admin/users', undefined, adminHeaders)
    await t.request('POST', '/v1/admin/signing-keys/rotate', undefined, adminHeaders)
    await t.request('GET', '/v1/admin/users', undefined, { authorization: 'Bearer wrong-key' })

    const everything = t.logs.join('\n')
    expect(requestLines().length).toBeGreaterThan(10)
    for (const secret of secrets) expect(everything).not.toContain(secret)
    expect(everything).not.toMatch(/authorization/i)
  })
})
