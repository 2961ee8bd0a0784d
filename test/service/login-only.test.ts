// Login Only Mode: a connection that never creates an account, yet lets every existing account in.
import { count, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditEvents, users, wechatIdentities } from '../../service/db/schema'
import { APP_A, APP_B, APP_SOLO, createTestApp, type TestApp } from '../helpers/test-app'

// shop signs people up; mall (same developer account) and solo (no unionid) only let them in.
let t: TestApp
beforeAll(async () => {
  t = await createTestApp({
    connections: [
      { ...APP_A, openPlatform: 'dev-account' },
      { ...APP_B, openPlatform: 'dev-account', loginOnly: true },
      { ...APP_SOLO, loginOnly: true },
    ],
  })
})
afterAll(() => t.close())

async function rowCounts() {
  const [u] = await t.db.select({ n: count() }).from(users)
  const [i] = await t.db.select({ n: count() }).from(wechatIdentities)
  return { users: u!.n, identities: i!.n }
}

describe('Login Only Mode', () => {
  it('refuses a code login of a new person with 403 signup_disabled, writing no rows', async () => {
    const before = await rowCounts()
    const res = await t.login('newcomer', 'mall')
    expect(res.status).toBe(403)
    expect(res.json.error.code).toBe('signup_disabled')
    expect(await rowCounts()).toEqual(before)
  })

  it('refuses a phone login of a new person with an unknown phone, writing no rows', async () => {
    const before = await rowCounts()
    const res = await t.phoneLogin('stranger', '13500135000', 'solo')
    expect(res.status).toBe(403)
    expect(res.json.error.code).toBe('signup_disabled')
    expect(await rowCounts()).toEqual(before)
    expect(await t.db.select().from(users).where(eq(users.phone, '+8613500135000'))).toEqual([])
  })

  it('audits the refusal as a failed login', async () => {
    await t.login('newcomer-2', 'solo')
    const events = await t.db.select().from(auditEvents).where(eq(auditEvents.connection, 'solo'))
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'login.failed',
        detail: { method: 'code', code: 'signup_disabled' },
      }),
    )
  })

  it('admits by code a person known through another app of the developer account', async () => {
    const signedUp = await t.login('regular', 'shop')
    const res = await t.login('regular', 'mall')
    expect(res.status).toBe(200)
    expect(res.json.user.id).toBe(signedUp.json.user.id)
  })

  it('admits by phone a new WeChat identity whose phone has an account', async () => {
    const signedUp = await t.phoneLogin('phone-owner', '13500135001', 'shop')
    const before = await rowCounts()
    const res = await t.phoneLogin('phone-owner-solo', '13500135001', 'solo')
    expect(res.status).toBe(200)
    expect(res.json.user.id).toBe(signedUp.json.user.id)
    expect(await rowCounts()).toEqual({ ...before, identities: before.identities + 1 })
    // and that identity now logs in by code as well
    const byCode = await t.login('phone-owner-solo', 'solo')
    expect(byCode.status).toBe(200)
    expect(byCode.json.user.id).toBe(signedUp.json.user.id)
  })

  it('binds a new phone to a known person logging in by phone, creating no account', async () => {
    const signedUp = await t.login('known', 'shop')
    const before = await rowCounts()
    const res = await t.phoneLogin('known', '13500135002', 'mall')
    expect(res.status).toBe(200)
    expect(res.json.user).toMatchObject({ id: signedUp.json.user.id, phone: '+8613500135002' })
    expect((await rowCounts()).users).toBe(before.users)
  })

  it('still signs new people up on a connection that is not Login Only', async () => {
    const res = await t.login('fresh', 'shop')
    expect(res.status).toBe(200)
  })
})
