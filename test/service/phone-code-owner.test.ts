// The service passes the caller's openid to getuserphonenumber, so WeChat checks that the phone code was
// made by the same person as the login code (or the signed-in identity): a phone code that leaked from
// someone else's button tap does not put their number on the caller's account.
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { users } from '../../service/db/schema'
import { APP_A, createTestApp, type TestApp } from '../helpers/test-app'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(() => t.close())

/** A phone code as WeChat makes it: from one person's tap on the getPhoneNumber button. */
const phoneCodeOf = async (user: string, phoneNumber: string) =>
  (await t.simControl('/phone-codes', { appId: APP_A.appId, phoneNumber, user })).code as string

const holderOf = async (phone: string) =>
  (await t.db.select().from(users).where(eq(users.phone, phone)))[0]

describe('getuserphonenumber with the caller’s openid', () => {
  it('logs in with a phone code made by the same person', async () => {
    const code = await t.mintCode('owner-ann', 'shop')
    const phoneCode = await phoneCodeOf('owner-ann', '13300133000')
    const res = await t.request('POST', '/v1/connections/shop/login-by-phone', { code, phoneCode })
    expect(res.status).toBe(200)
    expect(res.json.user.phone).toBe('+8613300133000')
  })

  it("refuses someone else's phone code at phone login with 400 invalid_phone_code", async () => {
    const victims = await phoneCodeOf('owner-victim', '13300133001')
    const code = await t.mintCode('owner-mallory', 'shop')
    const res = await t.request('POST', '/v1/connections/shop/login-by-phone', {
      code,
      phoneCode: victims,
    })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_phone_code')
    expect(await holderOf('+8613300133001')).toBeUndefined()
  })

  it("refuses someone else's phone code when reading a number with a login code", async () => {
    const victims = await phoneCodeOf('owner-victim2', '13300133002')
    const code = await t.mintCode('owner-mallory', 'shop')
    const res = await t.request('POST', '/v1/connections/shop/phone', { code, phoneCode: victims })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_phone_code')
  })

  it("refuses someone else's phone code when binding a phone to the signed-in user", async () => {
    const login = await t.login('owner-mallory2', 'shop')
    const auth = t.bearer(login.json.accessToken)
    const victims = await phoneCodeOf('owner-victim3', '13300133003')
    const res = await t.request('POST', '/v1/me/phone', { phoneCode: victims }, auth)
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_phone_code')
    expect(await holderOf('+8613300133003')).toBeUndefined()
    const own = await phoneCodeOf('owner-mallory2', '13300133004')
    const bound = await t.request('POST', '/v1/me/phone', { phoneCode: own }, auth)
    expect(bound.status).toBe(200)
    expect(bound.json.user.phone).toBe('+8613300133004')
  })
})
