// A customer backend verifies our access tokens the way the README shows: Hono's jwk middleware and jose.
import { Hono } from 'hono'
import { jwk } from 'hono/jwk'
import type { JwtVariables } from 'hono/jwt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_A, createTestApp, type TestApp } from '../helpers/test-app'

let t: TestApp
beforeAll(async () => {
  // Real time: the middleware checks exp and iat against the wall clock.
  t = await createTestApp()
})
afterAll(() => t.close())

function customerBackend(aud: string) {
  const app = new Hono<{ Variables: JwtVariables<{ sub: string }> }>()
  app.use(
    '/api/*',
    jwk({
      jwks_uri: `${t.url}/.well-known/jwks.json`,
      alg: ['ES256'],
      verification: { iss: 'https://auth.example.test', aud },
    }),
  )
  app.get('/api/orders', (c) => c.json({ userId: c.get('jwtPayload').sub }))
  return app
}

describe("the README's Hono jwk example", () => {
  it('accepts our access token and reads the user id from sub', async () => {
    const login = await t.login('olivia')
    const res = await customerBackend(APP_A.appId).request('/api/orders', {
      headers: { authorization: `Bearer ${login.json.accessToken}` },
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ userId: login.json.user.id })
  })

  it('refuses a token issued for another Mini Program', async () => {
    const login = await t.login('oscar')
    const res = await customerBackend('wx0000000000000bad').request('/api/orders', {
      headers: { authorization: `Bearer ${login.json.accessToken}` },
    })
    expect(res.status).toBe(401)
  })
})
