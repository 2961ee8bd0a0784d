// No answer that can carry a token or a person's data may be stored by a browser, proxy or CDN: every API
// answer says `Cache-Control: no-store`, errors included; only the JWKS and discovery may be cached.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_A, createTestApp, type TestApp } from '../helpers/test-app'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp({ connections: [{ ...APP_A, authingAppId: 'authing-shop' }] })
})
afterAll(() => t.close())

describe('Cache-Control', () => {
  it('is no-store on the answers that carry tokens, native and Authing', async () => {
    const login = await t.login('cc-native')
    expect(login.json.accessToken).toBeTruthy()
    const refreshed = await t.request('POST', '/v1/token', {
      refreshToken: login.json.refreshToken,
    })
    expect(refreshed.json.refreshToken).toBeTruthy()
    const authing = await t.request(
      'POST',
      '/connections/social/wechat-miniprogram/auth',
      { code: await t.mintCode('cc-authing') },
      { 'x-authing-app-id': 'authing-shop' },
    )
    expect(authing.json.data.token).toBeTruthy()
    const renewed = await t.request(
      'POST',
      '/graphql/v2',
      { query: 'mutation { refreshToken { token } }' },
      t.bearer(authing.json.data.token),
    )
    expect(renewed.json.data.refreshToken.token).toBeTruthy()
    for (const res of [login, refreshed, authing, renewed])
      expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('is no-store on the other API answers and on errors', async () => {
    const { accessToken } = (await t.login('cc-me')).json
    const answers = [
      await t.request('GET', '/v1/me', undefined, t.bearer(accessToken)),
      await t.request('POST', '/v1/me', {}, t.bearer(accessToken)),
      await t.request('POST', '/v1/connections/shop/phone', { phoneCode: 'x' }),
      await t.request('POST', '/v1/token', { refreshToken: 'nope' }),
      await t.request('GET', '/healthz'),
      await t.request('GET', '/nowhere'),
    ]
    for (const res of answers) expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('lets the JWKS and discovery be cached', async () => {
    const jwks = await t.request('GET', '/.well-known/jwks.json')
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300')
    const discovery = await t.request('GET', '/.well-known/openid-configuration')
    expect(discovery.headers.get('cache-control')).toBe('public, max-age=3600')
  })
})
