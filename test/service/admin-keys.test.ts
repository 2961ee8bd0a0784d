// The admin API beyond users: the audit log, signing-key rotation and the shared WeChat access token.
import { eq } from 'drizzle-orm'
import { decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditEvents } from '../../service/db/schema'
import { APP_A, createTestApp, type TestApp } from '../helpers/test-app'

const ADMIN_KEY = 'admin-key-for-tests-0123456789'

let t: TestApp

beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_IP_PER_MINUTE: '0' } })
})
afterAll(() => t.close())

const kidOf = (token: string) => decodeProtectedHeader(token).kid
const jwksKids = async () =>
  ((await t.request('GET', '/.well-known/jwks.json')).json.keys as { kid: string }[]).map(
    (k) => k.kid,
  )

describe('GET /v1/admin/audit-events', () => {
  it('lists a user’s events newest first, each exactly once across cursor pages', async () => {
    const first = await t.login('audited')
    const id = first.json.user.id
    await t.login('audited')
    await t.request('POST', '/v1/token', { refreshToken: first.json.refreshToken })
    await t.request('POST', '/v1/logout', undefined, t.bearer(first.json.accessToken))
    const stored = await t.db.select().from(auditEvents).where(eq(auditEvents.userId, id))
    expect(stored.length).toBeGreaterThanOrEqual(4)

    const seen: { id: number; userId: string }[] = []
    let cursor: string | null = null
    do {
      const res = await t.admin(
        'GET',
        `/v1/admin/audit-events?userId=${id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      )
      expect(res.status).toBe(200)
      seen.push(...res.json.events)
      cursor = res.json.nextCursor
    } while (cursor)
    expect(seen.map((e) => e.id)).toEqual(stored.map((e) => e.id).sort((a, b) => b - a))
    expect(seen.every((e) => e.userId === id)).toBe(true)
  })

  it('filters by type', async () => {
    await t.login('typed')
    const res = await t.admin('GET', '/v1/admin/audit-events?type=login.succeeded&limit=100')
    expect(res.json.events.length).toBeGreaterThan(0)
    for (const e of res.json.events) expect(e.type).toBe('login.succeeded')
    expect(res.json.events[0]).toMatchObject({
      connection: 'shop',
      detail: expect.any(Object),
      createdAt: expect.any(String),
    })
  })

  it('answers 400 invalid_request for a cursor of another listing', async () => {
    const users = await t.admin('GET', '/v1/admin/users?limit=1')
    const res = await t.admin('GET', `/v1/admin/audit-events?cursor=${users.json.nextCursor}`)
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_request')
  })
})

describe('POST /v1/admin/signing-keys/rotate', () => {
  it('signs with the new key while tokens of the old one still verify, both in the JWKS', async () => {
    const before = await t.login('rotated')
    const oldKid = kidOf(before.json.accessToken)
    const res = await t.admin('POST', '/v1/admin/signing-keys/rotate')
    expect(res.status).toBe(200)
    expect(res.json.kid).toEqual(expect.any(String))
    expect(res.json.kid).not.toBe(oldKid)

    const me = await t.request('GET', '/v1/me', undefined, t.bearer(before.json.accessToken))
    expect(me.status).toBe(200)
    expect(await jwksKids()).toEqual(expect.arrayContaining([oldKid, res.json.kid]))
    const after = await t.login('rotated')
    expect(kidOf(after.json.accessToken)).toBe(res.json.kid)

    // Other tests rotate too, in any order (the suite runs shuffled): this rotation's event among theirs.
    const events = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, 'signing_key.rotated'))
    expect(events.map((e) => e.detail)).toContainEqual({ actor: 'admin', kid: res.json.kid })
  })

  it('keeps a retired key in the JWKS for TTL + 60 s, past the expiry of its last token', async () => {
    const retired = kidOf((await t.login('graced')).json.accessToken)
    await t.admin('POST', '/v1/admin/signing-keys/rotate')
    // The token expired 30 s ago; a verifier whose clock runs behind (or that cached it) may still ask.
    t.clock.advance(t.config.accessTokenTtlSeconds + 30)
    await t.admin('POST', '/v1/admin/signing-keys/rotate') // which also reloads the published keys
    expect(await jwksKids()).toContain(retired)
  })

  it('drops a retired key from the JWKS once its last token has expired (TTL + 60 s)', async () => {
    const token = (await t.login('outlived')).json.accessToken
    const retired = kidOf(token)
    const middle = (await t.admin('POST', '/v1/admin/signing-keys/rotate')).json.kid
    t.clock.advance(t.config.accessTokenTtlSeconds + 61)
    const newest = (await t.admin('POST', '/v1/admin/signing-keys/rotate')).json.kid
    const kids = await jwksKids()
    expect(kids).not.toContain(retired)
    expect(kids).toEqual(expect.arrayContaining([middle, newest]))
    const me = await t.request('GET', '/v1/me', undefined, t.bearer(token))
    // Its key is gone, so the token is refused before its expiry is even read.
    expect(me.status).toBe(401)
    expect(me.json.error.code).toBe('token_invalid')
  })
})

describe('GET /v1/admin/connections/{connection}/wechat-access-token', () => {
  it('hands out the shared WeChat access token, valid at WeChat, never cached, audited', async () => {
    const res = await t.admin('GET', '/v1/admin/connections/shop/wechat-access-token')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.json).toEqual({ accessToken: expect.any(String), expiresAt: expect.any(String) })
    expect(Date.parse(res.json.expiresAt)).toBeGreaterThan(t.clock.now().getTime())
    const again = await t.admin('GET', '/v1/admin/connections/shop/wechat-access-token')
    expect(again.json.accessToken).toBe(res.json.accessToken)

    // The customer's backend uses it as WeChat's own API expects.
    const phone = await t.simControl('/phone-codes', {
      appId: APP_A.appId,
      phoneNumber: '13800138000',
      countryCode: '86',
    })
    const wx = await fetch(
      `${t.sim.url}/wxa/business/getuserphonenumber?access_token=${res.json.accessToken}`,
      { method: 'POST', body: JSON.stringify({ code: phone.code }) },
    )
    expect(((await wx.json()) as { errcode: number }).errcode).toBe(0)

    const events = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, 'wechat_access_token.read'))
    expect(events).toHaveLength(2)
    expect(events[0]).toMatchObject({ connection: 'shop', detail: { actor: 'admin' } })
    expect(JSON.stringify(events)).not.toContain(res.json.accessToken)
  })

  it('answers 404 connection_not_found for an unknown connection', async () => {
    const res = await t.admin('GET', '/v1/admin/connections/nope/wechat-access-token')
    expect(res.status).toBe(404)
    expect(res.json.error.code).toBe('connection_not_found')
  })
})
