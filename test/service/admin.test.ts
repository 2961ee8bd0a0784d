// The admin API's door and its user search: the key, absent API, search filters and cursor pagination.
import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { users } from '../../service/db/schema'
import { APP_A, createTestApp, type TestApp } from '../helpers/test-app'

const ADMIN_KEY = 'admin-key-for-tests-0123456789'
const adminEnv = {
  ADMIN_API_KEY: ADMIN_KEY,
  RATE_LIMIT_IP_PER_MINUTE: '0',
  RATE_LIMIT_CONNECTION_PER_MINUTE: '0',
}

let t: TestApp

beforeAll(async () => {
  t = await createTestApp({ env: adminEnv })
})
afterAll(() => t.close())

async function loginAs(user: string, connection = 'shop') {
  const res = await t.login(user, connection)
  expect(res.status).toBe(200)
  return res.json as { user: { id: string }; accessToken: string; refreshToken: string }
}

describe('the admin key', () => {
  it('refuses a missing key and a wrong key alike with 401 admin_unauthorized', async () => {
    const missing = await t.request('GET', '/v1/admin/users')
    const wrong = await t.request('GET', '/v1/admin/users', undefined, {
      authorization: `Bearer ${ADMIN_KEY.slice(0, -1)}x`,
    })
    const basic = await t.request('GET', '/v1/admin/users', undefined, {
      authorization: `Basic ${ADMIN_KEY}`,
    })
    for (const res of [missing, wrong, basic]) {
      expect(res.status).toBe(401)
      expect(res.json.error).toEqual(missing.json.error)
      expect(res.json.error.code).toBe('admin_unauthorized')
    }
  })

  it('does not accept a user access token as the admin key', async () => {
    const { accessToken } = await loginAs('key-user')
    const res = await t.request('GET', '/v1/admin/users', undefined, t.bearer(accessToken))
    expect(res.json.error.code).toBe('admin_unauthorized')
  })

  it('answers with the key, with a request id', async () => {
    const res = await t.admin('GET', '/v1/admin/users')
    expect(res.status).toBe(200)
    expect(res.headers.get('x-request-id')).toBeTruthy()
  })

  it('has no admin API and no console without ADMIN_API_KEY: their paths are 404 not_found', async () => {
    const off = await createTestApp()
    try {
      for (const path of [
        '/v1/admin/users',
        '/v1/admin/audit-events',
        '/admin',
        '/admin/sign-in',
      ]) {
        const res = await off.request('GET', path, undefined, {
          authorization: `Bearer ${ADMIN_KEY}`,
        })
        expect(res.status).toBe(404)
        expect(res.json.error.code).toBe('not_found')
      }
      const rotate = await off.request('POST', '/v1/admin/signing-keys/rotate')
      expect(rotate.json.error.code).toBe('not_found')
    } finally {
      await off.close()
    }
  })
})

describe('GET /v1/admin/users', () => {
  it('finds a user by E.164 phone and by the bare +86 national number', async () => {
    const { user } = await loginAs('phone-owner')
    await t.db.update(users).set({ phone: '+8613900139000' }).where(eq(users.id, user.id))
    for (const phone of ['+8613900139000', '13900139000', '139 0013 9000']) {
      const res = await t.admin('GET', `/v1/admin/users?phone=${encodeURIComponent(phone)}`)
      expect(res.status).toBe(200)
      expect(res.json.users.map((u: { id: string }) => u.id)).toEqual([user.id])
      expect(res.json.users[0].phone).toBe('+8613900139000')
    }
  })

  it('finds users by openid and by unionid', async () => {
    const minted = await t.simControl('/login-codes', { appId: APP_A.appId, user: 'ids-owner' })
    const login = await t.request('POST', '/v1/connections/shop/login', { code: minted.code })
    const id = login.json.user.id
    await loginAs('ids-owner', 'mall') // the same person through the unionid
    const byOpenid = await t.admin('GET', `/v1/admin/users?openid=${minted.openid}`)
    expect(byOpenid.json.users.map((u: { id: string }) => u.id)).toEqual([id])
    const byUnionid = await t.admin('GET', `/v1/admin/users?unionid=${minted.unionid}`)
    expect(byUnionid.json.users.map((u: { id: string }) => u.id)).toEqual([id])
    const nobody = await t.admin('GET', '/v1/admin/users?openid=no-such-openid')
    expect(nobody.json).toEqual({ users: [], nextCursor: null })
  })

  it('matches a nickname as a literal prefix, so % and _ match only themselves', async () => {
    const named: Record<string, string> = {}
    for (const nickname of ['50%off', '50 dollars', 'ab_c', 'abxc']) {
      const { user, accessToken } = await loginAs(`nick-${nickname}`)
      await t.request('PATCH', '/v1/me', { nickname }, t.bearer(accessToken))
      named[nickname] = user.id
    }
    const search = async (prefix: string) =>
      (
        await t.admin('GET', `/v1/admin/users?nickname=${encodeURIComponent(prefix)}`)
      ).json.users.map((u: { nickname: string }) => u.nickname)
    expect(await search('50%')).toEqual(['50%off'])
    expect(await search('ab_')).toEqual(['ab_c'])
    expect((await search('ab')).sort()).toEqual(['ab_c', 'abxc'])
  })

  it('returns every user exactly once across pages, newest first', async () => {
    for (let i = 0; i < 7; i++) {
      await loginAs(`pager-${i}`)
      if (i % 3 === 0) t.clock.advance(1) // some share a creation time, some do not
    }
    const seen: { id: string; createdAt: string }[] = []
    let cursor: string | null = null
    do {
      const query: string = cursor ? `limit=3&cursor=${cursor}` : 'limit=3'
      const res = await t.admin('GET', `/v1/admin/users?${query}`)
      expect(res.status).toBe(200)
      expect(res.json.users.length).toBeLessThanOrEqual(3)
      seen.push(...res.json.users)
      cursor = res.json.nextCursor
    } while (cursor)
    const all = await t.db.select({ id: users.id }).from(users)
    expect(seen.map((u) => u.id).sort()).toEqual(all.map((u) => u.id).sort())
    expect(new Set(seen.map((u) => u.id)).size).toBe(seen.length)
    const times = seen.map((u) => Date.parse(u.createdAt))
    expect(times).toEqual([...times].sort((a, b) => b - a))
  })

  it('keeps users created within one millisecond apart across pages (microsecond cursor)', async () => {
    const ids = ['micro-a', 'micro-b', 'micro-c']
    const times = [
      '2030-01-01T00:00:00.123400Z',
      '2030-01-01T00:00:00.123456Z',
      '2030-01-01T00:00:00.123999Z',
    ]
    for (const [i, id] of ids.entries())
      await t.db.insert(users).values({ id, createdAt: sql`${times[i]}::timestamptz` })
    const first = await t.admin('GET', '/v1/admin/users?limit=1')
    const second = await t.admin('GET', `/v1/admin/users?limit=1&cursor=${first.json.nextCursor}`)
    const third = await t.admin('GET', `/v1/admin/users?limit=1&cursor=${second.json.nextCursor}`)
    expect([first, second, third].map((r) => r.json.users[0].id)).toEqual([
      'micro-c',
      'micro-b',
      'micro-a',
    ])
  })

  it('answers 400 invalid_request for a bad cursor, limit, phone or an unknown parameter', async () => {
    const auditCursor = Buffer.from(JSON.stringify(['audit', 5])).toString('base64url')
    for (const query of [
      'cursor=not-a-cursor',
      `cursor=${auditCursor}`,
      'limit=0',
      'limit=101',
      'limit=ten',
      'phone=12345',
      'nick=ab',
    ]) {
      const res = await t.admin('GET', `/v1/admin/users?${query}`)
      expect(res.status, query).toBe(400)
      expect(res.json.error.code).toBe('invalid_request')
    }
  })

  it('pages 20 users by default and at most 100', async () => {
    const bulk = Array.from({ length: 110 }, (_, i) => ({ id: `bulk-${i}` }))
    await t.db.insert(users).values(bulk)
    const res = await t.admin('GET', '/v1/admin/users')
    expect(res.json.users).toHaveLength(20)
    expect(res.json.nextCursor).toEqual(expect.any(String))
    const max = await t.admin('GET', '/v1/admin/users?limit=100')
    expect(max.json.users).toHaveLength(100)
  })
})
