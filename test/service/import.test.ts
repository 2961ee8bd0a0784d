// POST /v1/admin/users/import: NDJSON in, accounts out. A rerun changes nothing, a bad line is reported with
// its number while the others land, and an imported person's first code or phone login finds their account.
import { asc, eq, inArray } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditEvents, users, wechatIdentities } from '../../service/db/schema'
import { openidFor, unionidFor } from '../../simulator/wire'
import { APP_A, APP_B, createTestApp, type TestApp } from '../helpers/test-app'

const ADMIN_KEY = 'admin-key-for-import-tests-0123456789'
let t: TestApp

beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_IP_PER_MINUTE: '0' } })
})
afterAll(() => t.close())

const ndjson = (lines: unknown[]) =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n'

const post = (body: string, headers: Record<string, string> = {}) =>
  t.request('POST', '/v1/admin/users/import', body, {
    authorization: `Bearer ${ADMIN_KEY}`,
    'content-type': 'application/x-ndjson',
    ...headers,
  })

/** The simulator person `name` as an import line's identity in `connection`. */
const identity = (name: string, connection: 'shop' | 'mall' = 'shop') => ({
  connection,
  openid: openidFor(connection === 'shop' ? APP_A.appId : APP_B.appId, name),
  unionid: unionidFor('dev-account', name),
})

const byExternal = async (externalId: string) =>
  (await t.db.select().from(users).where(eq(users.externalId, externalId)))[0]

async function tables(userIds: string[]) {
  return {
    users: await t.db.select().from(users).where(inArray(users.id, userIds)).orderBy(asc(users.id)),
    identities: await t.db
      .select()
      .from(wechatIdentities)
      .where(inArray(wechatIdentities.userId, userIds))
      .orderBy(asc(wechatIdentities.id)),
  }
}

describe('importing users', () => {
  it('creates users with their identities, and a rerun skips every line and changes no row', async () => {
    const file = ndjson([
      {
        externalId: 'run-1',
        phone: '+8613900000001',
        nickname: 'Ann',
        identities: [identity('imp-ann')],
      },
      {
        externalId: 'run-2',
        gender: 'female',
        identities: [identity('imp-bo'), identity('imp-bo', 'mall')],
      },
      { phone: '13900000003', avatar: 'https://cdn.example.com/c.png', identities: [] },
    ])
    const first = await post(file)
    expect(first.status).toBe(200)
    expect(first.json).toEqual({ created: 3, updated: 0, skipped: 0, errors: [], errorCount: 0 })
    const ann = (await byExternal('run-1'))!
    expect(ann).toMatchObject({ phone: '+8613900000001', nickname: 'Ann', loginCount: 0 })
    const bo = (await byExternal('run-2'))!
    const found = await t.request('GET', '/v1/admin/users?externalId=run-2', undefined, {
      authorization: `Bearer ${ADMIN_KEY}`,
    })
    expect(
      found.json.users.map((u: { id: string; externalId: string }) => [u.id, u.externalId]),
    ).toEqual([[bo.id, 'run-2']])
    const third = (await t.db.select().from(users).where(eq(users.phone, '+8613900000003')))[0]!
    expect(third.avatar).toBe('https://cdn.example.com/c.png')
    const ids = [ann.id, bo.id, third.id]
    const before = await tables(ids)
    expect(before.identities.filter((i) => i.userId === bo.id)).toHaveLength(2)
    // Imported without a session_key: the first login brings one.
    expect(before.identities.every((i) => i.sessionKeyEnc === null)).toBe(true)

    t.clock.advance(60)
    const again = await post(file)
    expect(again.json).toEqual({ created: 0, updated: 0, skipped: 3, errors: [], errorCount: 0 })
    expect(await tables(ids)).toEqual(before)
  })

  it('updates what a line changes and counts the unchanged lines as skipped', async () => {
    await post(
      ndjson([
        { externalId: 'upd-1', nickname: 'Old' },
        { externalId: 'upd-2', nickname: 'Same' },
      ]),
    )
    const res = await post(
      ndjson([
        { externalId: 'upd-1', nickname: 'New', identities: [identity('imp-upd')] },
        { externalId: 'upd-2', nickname: 'Same' },
      ]),
    )
    expect(res.json).toMatchObject({ created: 0, updated: 1, skipped: 1, errors: [] })
    const user = (await byExternal('upd-1'))!
    expect(user.nickname).toBe('New')
    const ids = await t.db
      .select()
      .from(wechatIdentities)
      .where(eq(wechatIdentities.userId, user.id))
    expect(ids.map((i) => i.openid)).toEqual([identity('imp-upd').openid])
  })

  it('reports each bad line with its number and code, and imports every other line', async () => {
    const long = JSON.stringify({ externalId: 'bad-long', nickname: 'x'.repeat(17 * 1024) })
    const res = await post(
      ndjson([
        { externalId: 'bad-ok-1' },
        '{not json',
        { externalId: 'bad-phone', phone: '12345' },
        '',
        { externalId: 'bad-conn', identities: [{ connection: 'nope', openid: 'oABC' }] },
        { externalId: 'bad-ok-1', phone: '+8613900000011' },
        { externalId: 'bad-extra', role: 'admin' },
        long,
        { nickname: 'no key at all' },
        { externalId: 'bad-avatar', avatar: 'http://insecure.example.com/a.png' },
        {
          externalId: 'bad-ok-2',
          phone: null,
          identities: [{ ...identity('imp-bad'), unionid: null }],
        },
      ]),
    )
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ created: 2, updated: 1, skipped: 0, errorCount: 7 })
    expect(res.json.errors.map((e: { line: number; code: string }) => [e.line, e.code])).toEqual([
      [2, 'invalid_json'],
      [3, 'invalid_request'],
      [5, 'connection_not_found'],
      [7, 'invalid_request'],
      [8, 'payload_too_large'],
      [9, 'invalid_request'],
      [10, 'invalid_request'],
    ])
    expect(res.json.errors[1].message).toMatch(/^phone: /)
    expect(res.json.errors[4].message).not.toContain('xxxx')
    expect(await byExternal('bad-phone')).toBeUndefined()
    expect(await byExternal('bad-long')).toBeUndefined()
    expect((await byExternal('bad-ok-1'))!.phone).toBe('+8613900000011')
    expect(await byExternal('bad-ok-2')).toBeDefined()
  })

  it('refuses a line whose keys lead to two accounts and writes nothing for it', async () => {
    await post(ndjson([{ externalId: 'cf-a' }, { externalId: 'cf-b', phone: '+8613900000021' }]))
    const a = (await byExternal('cf-a'))!
    const res = await post(
      ndjson([
        { externalId: 'cf-a', phone: '+8613900000021', nickname: 'Changed' },
        { phone: '+8613900000021', externalId: 'cf-c' },
      ]),
    )
    expect(res.json.errors.map((e: { line: number; code: string }) => [e.line, e.code])).toEqual([
      [1, 'import_conflict'],
      [2, 'import_conflict'],
    ])
    expect(res.json.errors[0].message).toContain(`externalId matches user ${a.id}`)
    expect(res.json.errors[0].message).not.toContain('13900000021')
    expect((await byExternal('cf-a'))!.nickname).toBeNull()
    expect(await byExternal('cf-c')).toBeUndefined()
  })

  it('writes one audit row per run with the counts, and no user.created', async () => {
    const res = await post(ndjson([{ externalId: 'aud-1' }, '[]']))
    expect(res.json).toMatchObject({ created: 1, errorCount: 1 })
    const user = (await byExternal('aud-1'))!
    expect(await t.db.select().from(auditEvents).where(eq(auditEvents.userId, user.id))).toEqual([])
    const [last] = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, 'users.imported'))
      .orderBy(asc(auditEvents.id))
      .then((rows) => rows.slice(-1))
    expect(last!.detail).toEqual({
      actor: 'admin',
      created: 1,
      updated: 0,
      skipped: 0,
      errorCount: 1,
      finished: true,
    })
  })
})

describe('an imported person logs in', () => {
  it('lands on the imported account with the first code login, and in another Mini Program by unionid', async () => {
    await post(ndjson([{ externalId: 'login-1', identities: [identity('imp-login')] }]))
    const imported = (await byExternal('login-1'))!
    const login = await t.login('imp-login', 'shop')
    expect(login.status).toBe(200)
    expect(login.json.user).toMatchObject({ id: imported.id, externalId: 'login-1', loginCount: 1 })
    const [row] = await t.db
      .select()
      .from(wechatIdentities)
      .where(eq(wechatIdentities.openid, identity('imp-login').openid))
    expect(row!.sessionKeyEnc).not.toBeNull()
    const inMall = await t.login('imp-login', 'mall')
    expect(inMall.json.user.id).toBe(imported.id)
  })

  it('lands on the imported account with a phone login', async () => {
    await post(ndjson([{ externalId: 'phone-1', phone: '13900000031', nickname: 'Phoned' }]))
    const imported = (await byExternal('phone-1'))!
    const res = await t.phoneLogin('imp-phone', '13900000031', 'shop')
    expect(res.status).toBe(200)
    expect(res.json.user).toMatchObject({ id: imported.id, nickname: 'Phoned' })
    // The WeChat identity is now the imported account's: the next code login finds it too.
    expect((await t.login('imp-phone', 'shop')).json.user.id).toBe(imported.id)
  })
})

describe('the import route', () => {
  it('needs the admin key', async () => {
    const res = await post(ndjson([{ externalId: 'nokey' }]), { authorization: 'Bearer wrong' })
    expect(res.status).toBe(401)
    expect(res.json.error.code).toBe('admin_unauthorized')
    expect(await byExternal('nokey')).toBeUndefined()
  })

  it('takes NDJSON only', async () => {
    const res = await post(ndjson([{ externalId: 'as-json' }]), { 'content-type': 'text/csv' })
    expect(res.status).toBe(415)
    expect(res.json.error.code).toBe('unsupported_media_type')
  })

  it('is not held to the 16 KiB body limit of the other routes', async () => {
    const lines = Array.from({ length: 600 }, (_, i) => ({
      externalId: `big-${i}`,
      nickname: 'n'.repeat(40),
    }))
    const body = ndjson(lines)
    expect(body.length).toBeGreaterThan(32 * 1024)
    const res = await post(body)
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ created: 600, errorCount: 0 })
  })
})
