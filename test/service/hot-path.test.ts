// The one-statement login and refresh paths (bench/ drove them): concurrent first logins make one user and
// count every login, with or without a unionid, also when they race in two apps of one developer account; a
// refresh is audited, a concurrent reuse is caught, and a refresh refused for a blocked user leaves the token
// usable after unblocking.
import { count, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditEvents, sessions, users, wechatIdentities } from '../../service/db/schema'
import { createTestApp, type TestApp } from '../helpers/test-app'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(() => t.close())

async function concurrentFirstLogins(user: string, connection: string, n: number) {
  const codes = await Promise.all(Array.from({ length: n }, () => t.mintCode(user, connection)))
  return Promise.all(
    codes.map((code) => t.request('POST', `/v1/connections/${connection}/login`, { code })),
  )
}

describe('concurrent first logins', () => {
  it('create one user and count every login in an app that sends a unionid', async () => {
    const answers = await concurrentFirstLogins('gina', 'shop', 20)
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200))
    const ids = new Set(answers.map((a) => a.json.user.id))
    expect(ids.size).toBe(1)
    const [id] = [...ids] as string[]
    const [identities] = await t.db
      .select({ n: count() })
      .from(wechatIdentities)
      .where(eq(wechatIdentities.userId, id!))
    expect(identities!.n).toBe(1)
    const [user] = await t.db.select().from(users).where(eq(users.id, id!))
    expect(user!.loginCount).toBe(20)
  })

  it('make one user per person when first logins in two apps of one developer account race', async () => {
    // Three first logins in each app for each of 20 people, all at once: rule 3 across apps. Per person,
    // one user holding one identity per app, every login counted, created once and linked once.
    const people = Array.from({ length: 20 }, (_, i) => `race-${i}`)
    const codes = await Promise.all(
      people.flatMap((p) =>
        ['shop', 'mall', 'shop', 'mall', 'shop', 'mall'].map(async (connection) => ({
          person: p,
          connection,
          code: await t.mintCode(p, connection),
        })),
      ),
    )
    const answers = await Promise.all(
      codes.map(async (c) => ({
        ...c,
        res: await t.request('POST', `/v1/connections/${c.connection}/login`, { code: c.code }),
      })),
    )
    expect(answers.map((a) => a.res.status)).toEqual(Array(answers.length).fill(200))
    for (const p of people) {
      const ids = new Set(answers.filter((a) => a.person === p).map((a) => a.res.json.user.id))
      expect(ids.size).toBe(1)
      const [id] = [...ids] as string[]
      const identities = await t.db
        .select({ connection: wechatIdentities.connection })
        .from(wechatIdentities)
        .where(eq(wechatIdentities.userId, id!))
      expect(identities.map((i) => i.connection).sort()).toEqual(['mall', 'shop'])
      const [user] = await t.db.select().from(users).where(eq(users.id, id!))
      expect(user!.loginCount).toBe(6)
      const events = await t.db.select().from(auditEvents).where(eq(auditEvents.userId, id!))
      expect(events.filter((e) => e.detail?.created === true)).toHaveLength(1)
      expect(events.filter((e) => e.detail?.linked === true)).toHaveLength(1)
    }
  })

  it('write one login.succeeded event per login, exactly one of them marked created', async () => {
    const answers = await concurrentFirstLogins('hank', 'solo', 10)
    const id = answers[0]!.json.user.id as string
    const events = await t.db.select().from(auditEvents).where(eq(auditEvents.userId, id))
    expect(events.map((e) => e.type)).toEqual(Array(10).fill('login.succeeded'))
    expect(events.filter((e) => e.detail?.created === true)).toHaveLength(1)
    expect(events.every((e) => e.detail?.method === 'code' && e.detail.linked === false)).toBe(true)
  })
})

describe('refresh', () => {
  it('audits the rotation with its session', async () => {
    const login = await t.login('ivan')
    const next = await t.request('POST', '/v1/token', { refreshToken: login.json.refreshToken })
    expect(next.status).toBe(200)
    const [session] = await t.db
      .select()
      .from(sessions)
      .where(eq(sessions.userId, login.json.user.id))
    const events = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.userId, login.json.user.id))
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'token.refreshed',
        connection: 'shop',
        detail: { sessionId: session!.id },
      }),
    )
  })

  it('answers both of two concurrent uses of a token within the reuse interval, as one lineage', async () => {
    const login = await t.login('judy')
    const body = { refreshToken: login.json.refreshToken }
    const answers = await Promise.all([
      t.request('POST', '/v1/token', body),
      t.request('POST', '/v1/token', body),
    ])
    expect(answers.map((a) => a.status)).toEqual([200, 200])
    const [a, b] = answers.map((x) => x.json.refreshToken as string)
    expect(a).not.toBe(b)
    // One was rotated into the other: after the interval, presenting the rotated one is reuse.
    t.clock.advance(t.config.refreshReuseIntervalSeconds)
    const codes = []
    for (const refreshToken of [a, b]) {
      const res = await t.request('POST', '/v1/token', { refreshToken })
      codes.push(res.status === 200 ? 'ok' : res.json.error.code)
    }
    expect(codes.filter((c) => c === 'refresh_token_reused')).toHaveLength(1)
  })

  it('refuses a blocked user without spending the token', async () => {
    const login = await t.login('kurt')
    const body = { refreshToken: login.json.refreshToken }
    const block = (status: string) =>
      t.db.update(users).set({ status }).where(eq(users.id, login.json.user.id))
    await block('blocked')
    const refused = await t.request('POST', '/v1/token', body)
    expect(refused.json.error.code).toBe('user_blocked')
    await block('active')
    expect((await t.request('POST', '/v1/token', body)).status).toBe(200)
  })
})
