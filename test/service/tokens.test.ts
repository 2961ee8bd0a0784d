// Access and refresh tokens: rotation, reuse detection, logout, and the checks a forged token must fail.
import {
  createRemoteJWKSet,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  decodeProtectedHeader,
} from 'jose'
import { createHash } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditEvents, refreshTokens, sessions } from '../../service/db/schema'
import { APP_A, createTestApp, type TestApp } from '../helpers/test-app'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(() => t.close())

describe('refresh tokens', () => {
  it('rotates: a refresh answers a new pair and the old refresh token stops working', async () => {
    const login = await t.login('rita')
    const first = await t.request('POST', '/v1/token', { refreshToken: login.json.refreshToken })
    expect(first.status).toBe(200)
    expect(first.json).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 })
    expect(first.json.refreshToken).not.toBe(login.json.refreshToken)
    const me = await t.request('GET', '/v1/me', undefined, t.bearer(first.json.accessToken))
    expect(me.json.user.id).toBe(login.json.user.id)
    const second = await t.request('POST', '/v1/token', { refreshToken: first.json.refreshToken })
    expect(second.status).toBe(200)
  })

  it('revokes the whole session when an already-rotated refresh token is presented again', async () => {
    const login = await t.login('sam')
    const rotated = await t.request('POST', '/v1/token', { refreshToken: login.json.refreshToken })
    // Past the reuse interval, which forgives a retry of a lost answer (see the reuse-interval tests).
    t.clock.advance(t.config.refreshReuseIntervalSeconds)
    const reuse = await t.request('POST', '/v1/token', { refreshToken: login.json.refreshToken })
    expect(reuse.status).toBe(401)
    expect(reuse.json.error.code).toBe('refresh_token_reused')
    const live = await t.request('POST', '/v1/token', { refreshToken: rotated.json.refreshToken })
    expect(live.status).toBe(401)
    expect(live.json.error.code).toBe('session_revoked')
    const me = await t.request('GET', '/v1/me', undefined, t.bearer(rotated.json.accessToken))
    expect(me.json.error.code).toBe('session_revoked')
    const events = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, 'token.reuse_detected'))
    expect(events).toContainEqual(
      expect.objectContaining({
        userId: login.json.user.id,
        detail: expect.objectContaining({ sessionRevoked: true }),
      }),
    )
  })

  it('refuses an unknown refresh token and a missing one', async () => {
    const unknown = await t.request('POST', '/v1/token', { refreshToken: 'x'.repeat(43) })
    expect(unknown.status).toBe(401)
    expect(unknown.json.error.code).toBe('refresh_token_invalid')
    const missing = await t.request('POST', '/v1/token', {})
    expect(missing.status).toBe(400)
    expect(missing.json.error.code).toBe('invalid_request')
  })

  it('stores refresh tokens only as SHA-256 hashes, never the token itself', async () => {
    const login = await t.login('hashed')
    const next = await t.request('POST', '/v1/token', { refreshToken: login.json.refreshToken })
    const [session] = await t.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(eq(sessions.userId, login.json.user.id))
    const rows = await t.db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.sessionId, session!.id))
    const issued = [login.json.refreshToken as string, next.json.refreshToken as string]
    const sha256 = (token: string) => createHash('sha256').update(token).digest('base64url')
    expect(rows.map((r) => r.tokenHash).sort()).toEqual(issued.map(sha256).sort())
    const stored = JSON.stringify(await t.db.select().from(refreshTokens))
    for (const token of issued) expect(stored).not.toContain(token)
  })

  it('refuses a refresh token past its lifetime', async () => {
    const login = await t.login('tina')
    t.clock.advance(30 * 86400 + 1)
    const res = await t.request('POST', '/v1/token', { refreshToken: login.json.refreshToken })
    t.clock.advance(-(30 * 86400 + 1))
    expect(res.status).toBe(401)
    expect(res.json.error.code).toBe('refresh_token_invalid')
  })
})

describe('logout', () => {
  it('revokes the session: its access and refresh tokens stop working', async () => {
    const login = await t.login('uma')
    const out = await t.request('POST', '/v1/logout', undefined, t.bearer(login.json.accessToken))
    expect(out.status).toBe(204)
    const me = await t.request('GET', '/v1/me', undefined, t.bearer(login.json.accessToken))
    expect(me.status).toBe(401)
    expect(me.json.error.code).toBe('session_revoked')
    const refresh = await t.request('POST', '/v1/token', { refreshToken: login.json.refreshToken })
    expect(refresh.json.error.code).toBe('session_revoked')
    const [s] = await t.db.select().from(sessions).where(eq(sessions.userId, login.json.user.id))
    expect(s!.revokedReason).toBe('logout')
  })
})

describe('access tokens', () => {
  it('carries the documented claims and verifies with jose.createRemoteJWKSet against the running service', async () => {
    const login = await t.login('vera')
    const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`))
    const { payload, protectedHeader } = await jwtVerify(login.json.accessToken, jwks, {
      issuer: 'https://auth.example.test',
      audience: APP_A.appId,
      algorithms: ['ES256'],
      currentDate: t.clock.now(),
    })
    expect(protectedHeader.alg).toBe('ES256')
    expect(protectedHeader.kid).toEqual(expect.any(String))
    expect(payload).toMatchObject({ sub: login.json.user.id, azp: 'shop', sid: expect.any(String) })
    expect(payload.exp! - payload.iat!).toBe(3600)
    const discovery = await t.request('GET', '/.well-known/openid-configuration')
    expect(discovery.json.issuer).toBe('https://auth.example.test')
    expect(discovery.json.jwks_uri).toBe('https://auth.example.test/.well-known/jwks.json')
  })

  async function forge(
    tamper: (jwt: SignJWT) => SignJWT,
    key?: Parameters<SignJWT['sign']>[0],
    header: Record<string, string> = {},
  ) {
    const login = await t.login(`forge-${Math.random()}`)
    const claims = (await t.deps.accessTokens.verify(login.json.accessToken)) as Record<
      string,
      unknown
    >
    const current = await t.deps.keys.current()
    const iat = Math.floor(t.clock.now().getTime() / 1000)
    const jwt = new SignJWT({ sid: claims.sid, azp: claims.azp })
      .setProtectedHeader({ alg: 'ES256', kid: current.kid, ...header })
      .setSubject(String(claims.sub))
      .setIssuer('https://auth.example.test')
      .setAudience(APP_A.appId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 600)
    const token = await tamper(jwt).sign(key ?? current.privateKey)
    return t.request('GET', '/v1/me', undefined, t.bearer(token))
  }

  it('accepts a well-formed token signed with the current key (the forging helper works)', async () => {
    const res = await forge((j) => j)
    expect(res.status).toBe(200)
  })

  it('rejects a token from another issuer', async () => {
    const res = await forge((j) => j.setIssuer('https://evil.example'))
    expect(res.json.error.code).toBe('token_invalid')
  })

  it('rejects a token for another audience', async () => {
    const res = await forge((j) => j.setAudience('wx0000000000000bad'))
    expect(res.json.error.code).toBe('token_invalid')
  })

  it('rejects a token with an expired exp', async () => {
    const iat = Math.floor(t.clock.now().getTime() / 1000)
    const res = await forge((j) => j.setIssuedAt(iat - 7200).setExpirationTime(iat - 60))
    expect(res.status).toBe(401)
    expect(res.json.error.code).toBe('token_expired')
  })

  it('rejects a token signed with another algorithm', async () => {
    const { privateKey } = await generateKeyPair('RS256')
    const res = await forge((j) => j, privateKey, { alg: 'RS256' })
    expect(res.json.error.code).toBe('token_invalid')
    const hs = await forge((j) => j, new TextEncoder().encode('k'.repeat(32)), { alg: 'HS256' })
    expect(hs.json.error.code).toBe('token_invalid')
  })

  it('rejects a token signed by a key that is not ours, even with our kid', async () => {
    const { privateKey } = await generateKeyPair('ES256')
    const res = await forge((j) => j, privateKey)
    expect(res.json.error.code).toBe('token_invalid')
  })

  it('refuses a token naming another user (sub) than the one its session (sid) belongs to', async () => {
    const victim = await t.login('bearer-victim')
    const res = await forge((j) => j.setSubject(victim.json.user.id))
    expect(res.status).toBe(401)
    expect(res.json.error.code).toBe('session_revoked')
    // The victim's own token still works: the refusal is about the mismatch, not the victim.
    const own = await t.request('GET', '/v1/me', undefined, t.bearer(victim.json.accessToken))
    expect(own.json.user.id).toBe(victim.json.user.id)
  })

  it('answers token_missing without a bearer and token_invalid for garbage', async () => {
    const none = await t.request('GET', '/v1/me')
    expect(none.status).toBe(401)
    expect(none.json.error.code).toBe('token_missing')
    const junk = await t.request('GET', '/v1/me', undefined, t.bearer('not.a.jwt'))
    expect(junk.json.error.code).toBe('token_invalid')
  })

  it('expires an access token after its lifetime on the service clock', async () => {
    const login = await t.login('walt')
    expect(decodeProtectedHeader(login.json.accessToken).alg).toBe('ES256')
    t.clock.advance(3601)
    const res = await t.request('GET', '/v1/me', undefined, t.bearer(login.json.accessToken))
    t.clock.advance(-3601)
    expect(res.json.error.code).toBe('token_expired')
  })
})
