// authing-wxapp-sdk@4.3.22-alpha.7 itself, unchanged but for `host`, against our service through the wx
// shim: its REST calls and GraphQL documents, Authing's envelopes, and tokens any backend verifies.
import { AuthenticationClient } from 'authing-wxapp-sdk'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import wxAxios from 'wx-axios'
import wxRequestAdapter from 'wx-axios/lib/adapters/wx-request.js'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { APP_A, APP_B, createTestApp, type TestApp } from '../helpers/test-app'
import { createWxShim, type WxShim } from './wx-shim'

const SHOP = { ...APP_A, authingAppId: 'authing-shop', openPlatform: 'dev' }
const MALL = { ...APP_B, authingAppId: 'authing-mall', openPlatform: 'dev' }

// wx-axios picks its Node adapter whenever `process` exists; in a Mini Program it uses wx.request. Make it
// do the latter here too, so the SDK's calls go through the same wx shim.
wxAxios.defaults.adapter = wxRequestAdapter

let t: TestApp
let shim: WxShim
beforeAll(async () => {
  t = await createTestApp({ connections: [SHOP, MALL] })
})
// Each test its own phone: empty storage and request log (the seed snippet counts every call its SDK made).
// And the service's clock back on the real one, which the refreshToken test moves ahead: the simulator stamps
// the legacy phone data's watermark on the real clock, and a tap 10 minutes old is refused as stale.
beforeEach(() => {
  t.clock.current = new Date()
  shim = createWxShim({ simUrl: t.sim.url, appId: SHOP.appId, user: 'lucy' })
  Object.assign(globalThis, { wx: shim.wx })
})
afterAll(async () => {
  Reflect.deleteProperty(globalThis, 'wx')
  await t.close()
})

interface Reported {
  code: number
  message: string
  data?: unknown
}

function authing(options: { appId?: string } = { appId: SHOP.authingAppId }) {
  const errors: Reported[] = []
  const client = new AuthenticationClient({
    userPoolId: '5f0000000000000000000000',
    host: t.url,
    ...options,
    onError: (code, message, data) => errors.push({ code, message, data }),
  })
  return { client, errors }
}

async function verify(token: string, audience: string) {
  const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`))
  const { payload } = await jwtVerify(token, jwks, {
    issuer: 'https://auth.example.test',
    audience,
  })
  return payload
}

describe('authing-wxapp-sdk against our service', () => {
  it('runs the seed snippet: loginByCode, updateProfile, getCurrentUser, checkLoginStatus, logout', async () => {
    shim.state.user = 'lucy'
    const { client, errors } = authing()
    const user = await client.loginByCode(await shim.loginCode())
    expect(user).toMatchObject({ id: expect.any(String), nickname: null, phone: null })
    expect(Date.parse(user.tokenExpiredAt!)).toBe(t.clock.now().getTime() + 3600_000)
    const stored = shim.stored('_authing_token') as string
    expect(stored).toBe(user.token)
    const claims = await verify(stored, SHOP.appId)
    expect(claims).toMatchObject({ sub: user.id, azp: 'shop' })

    const updated = await client.updateProfile({ nickname: 'Bob' })
    expect(updated).toMatchObject({ id: user.id, nickname: 'Bob', token: stored })
    expect(shim.stored('_authing_token')).toBe(stored)
    const current = await client.getCurrentUser()
    expect(current).toMatchObject({ id: user.id, nickname: 'Bob', openid: user.openid })

    const status = await client.checkLoginStatus()
    expect(status).toMatchObject({ code: 200, status: true, data: { id: user.id } })
    expect(status.exp! - status.iat!).toBe(3600)

    await client.logout()
    expect(shim.stored('_authing_token')).toBe('')
    expect(shim.stored('_authing_user')).toBe('')
    const me = await t.request('GET', '/v1/me', undefined, t.bearer(stored))
    expect(me.json.error.code).toBe('session_revoked')
    const after = await authing().client.checkLoginStatus(stored)
    expect(after).toMatchObject({
      code: 401,
      status: false,
      message: expect.stringMatching(/ended/),
    })
    expect(errors).toEqual([])
    // Every call went through wx.request, as in a Mini Program.
    expect(shim.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      'POST /connections/social/wechat-miniprogram/auth',
      'POST /graphql/v2',
      'POST /graphql/v2',
      'POST /graphql/v2',
      'GET /api/v2/logout',
      'POST /graphql/v2',
    ])
  })

  it('reports a failed login through onError with a readable message', async () => {
    const { client, errors } = authing()
    await expect(client.loginByCode('0'.repeat(32))).rejects.toThrow(/invalid_code/)
    expect(errors).toEqual([
      {
        code: 400,
        message: expect.stringMatching(/code/i),
        data: { error: 'invalid_code', requestId: expect.any(String) },
      },
    ])
  })

  it('logs in to the connection whose authingAppId the SDK sends, and refuses to guess without one', async () => {
    const mall = createWxShim({ simUrl: t.sim.url, appId: MALL.appId, user: 'max' })
    const { client } = authing({ appId: MALL.authingAppId })
    const user = await client.loginByCode(await mall.loginCode())
    expect(await verify(user.token!, MALL.appId)).toMatchObject({ azp: 'mall' })

    const guess = authing({})
    await expect(guess.client.loginByCode(await mall.loginCode())).rejects.toThrow()
    expect(guess.errors[0]).toMatchObject({
      code: 404,
      message: expect.stringMatching(/authingAppId/),
    })
  })

  it('reads the phone and logs in by phone with encryptedData, showing +86 numbers nationally', async () => {
    shim.state.user = 'pat'
    const { client } = authing()
    const code = await shim.loginCode()
    const { encryptedData, iv } = await t.simControl('/encrypted-phone', {
      appId: SHOP.appId,
      user: 'pat',
      phoneNumber: '13800138000',
    })
    expect(await client.getPhone(code, iv, encryptedData)).toEqual({
      countryCode: '86',
      phoneNumber: '13800138000',
      purePhoneNumber: '13800138000',
      openid: expect.any(String),
      unionid: expect.any(String),
    })
    const user = await client.loginByPhone(await shim.loginCode(), iv, encryptedData)
    expect(user).toMatchObject({ phone: '13800138000', phoneVerified: true })
    const me = await t.request('GET', '/v1/me', undefined, t.bearer(user.token!))
    expect(me.json.user.phone).toBe('+8613800138000')
  })

  it('renews the access token of a live session with refreshToken, and not after logout', async () => {
    shim.state.user = 'quinn'
    const { client, errors } = authing()
    const user = await client.loginByCode(await shim.loginCode())
    t.clock.advance(600)
    const renewed = await client.refreshToken()
    expect(renewed.exp - renewed.iat).toBe(3600)
    expect(shim.stored('_authing_token')).toBe(renewed.token)
    const before = await verify(user.token!, SHOP.appId)
    const after = await verify(renewed.token, SHOP.appId)
    expect(after.sid).toBe(before.sid)
    expect(after.iat).toBe(before.iat! + 600)

    await client.logout()
    shim.wx.setStorageSync('_authing_token', renewed.token)
    await expect(client.refreshToken()).rejects.toMatchObject({ code: 401 })
    expect(errors.at(-1)).toMatchObject({ code: 401, data: { error: 'session_revoked' } })
  })

  it('refuses profile fields we do not keep, and says which', async () => {
    shim.state.user = 'rex'
    const { client, errors } = authing()
    await client.loginByCode(await shim.loginCode())
    await expect(client.updateProfile({ company: 'ACME' })).rejects.toMatchObject({ code: 400 })
    expect(errors[0]!.message).toMatch(/company/)
    await expect(client.updateProfile({ photo: 'http://insecure.example/a.png' })).rejects.toThrow()
    expect(errors[1]).toMatchObject({ code: 400, message: expect.stringMatching(/^photo/) })
    expect(await client.updateProfile({ gender: 'F' })).toMatchObject({ gender: 'F' })
  })
})

describe('Authing envelopes', () => {
  it("answers GraphQL errors with HTTP 200 and Authing's {code, message, data} as the message", async () => {
    const noToken = await t.request('POST', '/graphql/v2', { query: '{ user { id } }' })
    expect(noToken.status).toBe(200)
    expect(noToken.json.errors[0].message).toMatchObject({
      code: 401,
      data: { error: 'token_missing' },
    })
    const broken = await t.request('POST', '/graphql/v2', { query: '{ user { id ' })
    expect(broken.json.errors[0].message).toMatchObject({
      code: 400,
      data: { error: 'invalid_request' },
    })
    const unknown = await t.request('POST', '/graphql/v2', { query: '{ users { id } }' })
    expect(unknown.json.errors[0].message.message).toMatch(/users/)
  })

  it('answers a bad token in checkLoginStatus with status false, not an error', async () => {
    const query =
      'query($token: String) { checkLoginStatus(token: $token) { code status message } }'
    const res = await t.request('POST', '/graphql/v2', { query, variables: { token: 'nonsense' } })
    expect(res.json).toEqual({
      data: { checkLoginStatus: { code: 401, status: false, message: expect.any(String) } },
    })
  })

  it('refuses more than five root fields in one request, aliases included', async () => {
    const fields = Array.from(
      { length: 6 },
      (_, i) => `s${i}: checkLoginStatus(token: "x") { status }`,
    )
    const res = await t.request('POST', '/graphql/v2', { query: `{ ${fields.join(' ')} }` })
    expect(res.json.data.s0).toEqual({ status: false })
    expect(res.json.errors).toHaveLength(1)
    expect(res.json.errors[0].message).toMatchObject({
      code: 400,
      data: { error: 'invalid_request' },
    })
  })

  it('refuses introspection while the SDK documents still run', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "User") { name } }']) {
      const res = await t.request('POST', '/graphql/v2', { query })
      expect(res.json.data).toBeUndefined()
      expect(res.json.errors[0].message).toMatchObject({
        code: 400,
        data: { error: 'invalid_request' },
        message: expect.stringMatching(/introspection/),
      })
    }
    const status = await t.request('POST', '/graphql/v2', {
      query: 'query($token: String) { checkLoginStatus(token: $token) { status } }',
      variables: { token: 'x' },
    })
    expect(status.json).toEqual({ data: { checkLoginStatus: { status: false } } })
  })

  it('refuses a document over 500 tokens or a body over 8 KiB before validating it', async () => {
    const long = await t.request('POST', '/graphql/v2', {
      query: `{ user { ${'id '.repeat(500)} } }`,
    })
    expect(long.status).toBe(200)
    expect(long.json.errors).toHaveLength(1)
    expect(long.json.errors[0].message).toMatchObject({
      code: 400,
      data: { error: 'invalid_request' },
      message: 'The document has more than 500 tokens.',
    })
    const large = await t.request('POST', '/graphql/v2', {
      query: `{ user { id } } # ${'x'.repeat(8 * 1024)}`,
    })
    expect(large.json.errors[0].message).toMatchObject({
      code: 413,
      data: { error: 'payload_too_large' },
    })
  })

  it('stops validating after ten errors', async () => {
    const fields = Array.from({ length: 30 }, (_, i) => `unknown${i}`).join(' ')
    const res = await t.request('POST', '/graphql/v2', { query: `{ user { ${fields} } }` })
    expect(res.json.errors).toHaveLength(11) // ten, and the one saying validation stopped
    expect(res.json.errors[10].message.message).toMatch(/Too many validation errors/)
  })

  it('answers the REST routes with HTTP 200 and code ≠ 200 for bad input, the rate limit included', async () => {
    const bad = await t.request(
      'POST',
      '/connections/social/wechat-miniprogram/auth',
      {},
      {
        'x-authing-app-id': SHOP.authingAppId,
      },
    )
    expect(bad.status).toBe(200)
    expect(bad.json).toMatchObject({ code: 400, data: { error: 'invalid_request' } })
    const limited = await createTestApp({
      connections: [SHOP],
      env: { RATE_LIMIT_IP_PER_MINUTE: '1' },
    })
    try {
      const login = () =>
        limited.request('POST', '/connections/social/wechat-miniprogram/auth', {
          code: 'x'.repeat(32),
        })
      await login()
      const refused = await login()
      expect(refused.status).toBe(200)
      expect(refused.json).toMatchObject({ code: 429, data: { error: 'rate_limited' } })
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    } finally {
      await limited.close()
    }
  })
})
