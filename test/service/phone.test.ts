// Phone numbers: phone login (account rule 2), reading a number, binding one, and the legacy encryptedData form.
import { createCipheriv, randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditEvents, sessions, users, wechatIdentities } from '../../service/db/schema'
import { APP_A, APP_B, APP_SOLO, createTestApp, type TestApp } from '../helpers/test-app'

let t: TestApp
beforeAll(async () => {
  // Over 50 login calls from 127.0.0.1 on a clock that never moves: the per-IP limit is not what is tested here.
  t = await createTestApp({ env: { RATE_LIMIT_IP_PER_MINUTE: '0' } })
})
afterAll(() => t.close())

const appIds: Record<string, string> = {
  shop: APP_A.appId,
  mall: APP_B.appId,
  solo: APP_SOLO.appId,
}

async function phoneCode(connection: string, phoneNumber: string, countryCode = '86') {
  const appId = appIds[connection]
  return (await t.simControl('/phone-codes', { appId, phoneNumber, countryCode })).code as string
}

const userByPhone = async (phone: string) =>
  (await t.db.select().from(users).where(eq(users.phone, phone)))[0]

/** Legacy getPhoneNumber data as WeChat makes it: AES-128-CBC under the session_key (https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html). */
function encrypt(sessionKey: string, plaintext: unknown) {
  const iv = randomBytes(16)
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), iv)
  const data = Buffer.concat([cipher.update(JSON.stringify(plaintext)), cipher.final()])
  return { encryptedData: data.toString('base64'), iv: iv.toString('base64') }
}

describe('phone login', () => {
  it('creates an account holding the phone in E.164 on the first phone login', async () => {
    const res = await t.phoneLogin('p-ann', '13800138000', 'shop')
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 })
    expect(res.json.user.phone).toBe('+8613800138000')
    expect((await userByPhone('+8613800138000'))?.id).toBe(res.json.user.id)
    expect(res.text).not.toContain(APP_A.appSecret)
  })

  it('stores a foreign number in E.164 with its country code', async () => {
    const code = await t.mintCode('p-us', 'shop')
    const body = { code, phoneCode: await phoneCode('shop', '4155550100', '1') }
    const res = await t.request('POST', '/v1/connections/shop/login-by-phone', body)
    expect(res.json.user.phone).toBe('+14155550100')
  })

  it('lands a second WeChat identity with the same phone on the same account', async () => {
    const inShop = await t.phoneLogin('p-ben', '13800138001', 'shop')
    const inSolo = await t.phoneLogin('p-ben-elsewhere', '13800138001', 'solo')
    expect(inSolo.status).toBe(200)
    expect(inSolo.json.user.id).toBe(inShop.json.user.id)
    const identities = await t.db
      .select()
      .from(wechatIdentities)
      .where(eq(wechatIdentities.userId, inShop.json.user.id))
    expect(identities.map((i) => i.connection).sort()).toEqual(['shop', 'solo'])
  })

  it('binds the phone to the account a code login made, creating no other user', async () => {
    const first = await t.login('p-cat', 'shop')
    const byPhone = await t.phoneLogin('p-cat', '13800138002', 'shop')
    expect(byPhone.json.user.id).toBe(first.json.user.id)
    expect(byPhone.json.user.phone).toBe('+8613800138002')
    expect(byPhone.json.user.loginCount).toBe(2)
  })

  it('moves a WeChat identity to the account that holds the phone, with its unionid siblings', async () => {
    const holder = await t.phoneLogin('p-dan-phone', '13800138003', 'solo')
    const before = await t.login('p-dan', 'shop')
    await t.login('p-dan', 'mall')
    const byPhone = await t.phoneLogin('p-dan', '13800138003', 'shop')
    expect(byPhone.json.user.id).toBe(holder.json.user.id)
    expect((await t.login('p-dan', 'mall')).json.user.id).toBe(holder.json.user.id)
    // The account left behind stays, without identities; the sessions they had opened there end.
    const [left] = await t.db.select().from(users).where(eq(users.id, before.json.user.id))
    expect(left).toBeDefined()
    const me = await t.request('GET', '/v1/me', undefined, t.bearer(before.json.accessToken))
    expect(me.json.error.code).toBe('session_revoked')
    const ended = await t.db.select().from(sessions).where(eq(sessions.userId, left!.id))
    expect(ended.map((s) => s.revokedReason)).toEqual(['identity_moved', 'identity_moved'])
    const identities = await t.db
      .select()
      .from(wechatIdentities)
      .where(eq(wechatIdentities.userId, left!.id))
    expect(identities).toEqual([])
  })

  it('replaces the older number of the account with the one a phone login proves, audited phone.bound', async () => {
    const first = await t.login('p-gus', 'shop')
    await t.phoneLogin('p-gus', '13800138010', 'shop')
    const changed = await t.phoneLogin('p-gus', '13800138011', 'shop')
    expect(changed.json.user).toMatchObject({ id: first.json.user.id, phone: '+8613800138011' })
    expect((await userByPhone('+8613800138011'))?.id).toBe(first.json.user.id)
    expect(await userByPhone('+8613800138010')).toBeUndefined()
    const events = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.userId, first.json.user.id))
      .orderBy(auditEvents.id)
    const bound = events.filter((e) => e.type === 'phone.bound')
    expect(bound.map((e) => [e.connection, e.detail])).toEqual([
      ['shop', { via: 'login' }],
      ['shop', { via: 'login' }],
    ])
    expect(JSON.stringify(events)).not.toMatch(/1380013801[01]/)
  })

  it('audits identity.linked on the account a phone login moves an identity to', async () => {
    const holder = await t.phoneLogin('p-hal-phone', '13800138012', 'solo')
    const before = await t.login('p-hal', 'shop')
    await t.phoneLogin('p-hal', '13800138012', 'shop')
    const events = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.userId, holder.json.user.id))
    const linked = events.filter((e) => e.type === 'identity.linked')
    expect(linked.map((e) => [e.connection, e.detail])).toEqual([
      ['shop', { reason: 'phone', fromUserId: before.json.user.id }],
    ])
    // The holder already had this number: nothing was bound.
    expect(events.filter((e) => e.type === 'phone.bound')).toEqual([])
  })

  it('gives concurrent phone logins of one phone by different people one account', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => t.phoneLogin(`p-crowd-${i}`, '13800138004', 'solo')),
    )
    expect(answers.map((a) => a.json.error?.code ?? a.status)).toEqual(Array(10).fill(200))
    expect(new Set(answers.map((a) => a.json.user.id)).size).toBe(1)
    const identities = await t.db
      .select()
      .from(wechatIdentities)
      .where(eq(wechatIdentities.userId, answers[0]!.json.user.id))
    expect(identities).toHaveLength(10)
  })

  it('audits the login with method phone and keeps the number out of the audit log', async () => {
    const res = await t.phoneLogin('p-eve', '13800138005', 'shop')
    const events = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.userId, res.json.user.id))
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'login.succeeded',
        detail: { method: 'phone', created: true, linked: false },
      }),
    )
    expect(JSON.stringify(events)).not.toContain('13800138005')
  })

  it('answers 400 invalid_phone_code for a phone code already used', async () => {
    const used = await phoneCode('shop', '13800138006')
    const code1 = await t.mintCode('p-fay', 'shop')
    await t.request('POST', '/v1/connections/shop/login-by-phone', { code: code1, phoneCode: used })
    const code2 = await t.mintCode('p-fay', 'shop')
    const res = await t.request('POST', '/v1/connections/shop/login-by-phone', {
      code: code2,
      phoneCode: used,
    })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_phone_code')
  })

  it('answers 404 connection_not_found for an unknown connection', async () => {
    const body = { code: 'x'.repeat(32), phoneCode: 'f'.repeat(64) }
    const res = await t.request('POST', '/v1/connections/nope/login-by-phone', body)
    expect(res.status).toBe(404)
    expect(res.json.error.code).toBe('connection_not_found')
  })

  it('answers 400 invalid_request unless exactly one form is sent', async () => {
    const code = 'x'.repeat(32)
    const bodies = [
      {},
      { code },
      { phoneCode: 'f'.repeat(64) },
      { code, phoneCode: 'f'.repeat(64), encryptedData: 'AAAA', iv: 'AAAA' },
      { code, encryptedData: 'AAAA' },
      { encryptedData: 'AAAA', iv: 'AAAA' },
      { code, phoneCode: 'f'.repeat(64), extra: 1 },
      { code, phoneCode: 42 },
    ]
    for (const body of bodies) {
      const res = await t.request('POST', '/v1/connections/shop/login-by-phone', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.json.error.code).toBe('invalid_request')
    }
  })
})

describe('legacy encryptedData', () => {
  it("logs in with the simulator's encrypted phone data", async () => {
    const sealed = await t.simControl('/encrypted-phone', {
      appId: APP_A.appId,
      user: 'l-gus',
      phoneNumber: '13900139000',
    })
    const code = await t.mintCode('l-gus', 'shop')
    const res = await t.request('POST', '/v1/connections/shop/login-by-phone', { code, ...sealed })
    expect(res.status).toBe(200)
    expect(res.json.user.phone).toBe('+8613900139000')
  })

  it('rejects tampered ciphertext with 400 invalid_encrypted_data', async () => {
    const sealed = await t.simControl('/encrypted-phone', {
      appId: APP_A.appId,
      user: 'l-hal',
      phoneNumber: '13900139001',
    })
    const code = await t.mintCode('l-hal', 'shop')
    const body = { code, iv: sealed.iv, encryptedData: 'aaaa' + sealed.encryptedData }
    const res = await t.request('POST', '/v1/connections/shop/login-by-phone', body)
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_encrypted_data')
  })

  it('rejects data watermarked for another app with 400 invalid_encrypted_data', async () => {
    const minted = await t.simControl('/login-codes', { appId: APP_A.appId, user: 'l-ida' })
    const sealed = encrypt(minted.sessionKey, {
      phoneNumber: '13900139002',
      purePhoneNumber: '13900139002',
      countryCode: '86',
      watermark: { timestamp: 1_700_000_000, appid: APP_B.appId },
    })
    const body = { code: minted.code, ...sealed }
    const res = await t.request('POST', '/v1/connections/shop/login-by-phone', body)
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_encrypted_data')
    expect(await userByPhone('+8613900139002')).toBeUndefined()
  })

  it('rejects data encrypted under a session key WeChat has since rotated', async () => {
    const sealed = await t.simControl('/encrypted-phone', {
      appId: APP_A.appId,
      user: 'l-jon',
      phoneNumber: '13900139003',
    })
    await t.simControl('/sessions/rotate', { appId: APP_A.appId, user: 'l-jon' })
    const code = await t.mintCode('l-jon', 'shop')
    const res = await t.request('POST', '/v1/connections/shop/login-by-phone', { code, ...sealed })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_encrypted_data')
  })
})

describe('POST /v1/connections/{connection}/phone', () => {
  it('reads the number from a phone code alone and binds nothing', async () => {
    const before = await t.db.select().from(users)
    const res = await t.request('POST', '/v1/connections/shop/phone', {
      phoneCode: await phoneCode('shop', '13700137000'),
    })
    expect(res.status).toBe(200)
    expect(res.json).toEqual({
      phone: '+8613700137000',
      phoneNumber: '13700137000',
      purePhoneNumber: '13700137000',
      countryCode: '86',
    })
    expect(await t.db.select().from(users)).toHaveLength(before.length)
  })

  it('reads the legacy form with its code, writing no user or identity', async () => {
    const sealed = await t.simControl('/encrypted-phone', {
      appId: APP_SOLO.appId,
      user: 'r-kim',
      phoneNumber: '13700137001',
    })
    const code = await t.mintCode('r-kim', 'solo')
    const res = await t.request('POST', '/v1/connections/solo/phone', { code, ...sealed })
    expect(res.status).toBe(200)
    expect(res.json.phone).toBe('+8613700137001')
    const minted = await t.simControl('/login-codes', { appId: APP_SOLO.appId, user: 'r-kim' })
    const rows = await t.db
      .select()
      .from(wechatIdentities)
      .where(eq(wechatIdentities.openid, minted.openid))
    expect(rows).toEqual([])
  })

  it('needs the code for the legacy form', async () => {
    const res = await t.request('POST', '/v1/connections/shop/phone', {
      encryptedData: 'AAAA',
      iv: 'AAAA',
    })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_request')
  })
})

describe('POST /v1/me/phone', () => {
  it('binds a phone to the signed-in user, and again idempotently', async () => {
    const login = await t.login('m-lea', 'shop')
    const auth = t.bearer(login.json.accessToken)
    const bind = async () =>
      t.request('POST', '/v1/me/phone', { phoneCode: await phoneCode('shop', '13600136000') }, auth)
    const first = await bind()
    expect(first.status).toBe(200)
    expect(first.json.user).toMatchObject({ id: login.json.user.id, phone: '+8613600136000' })
    const again = await bind()
    expect(again.status).toBe(200)
    expect(again.json.user.phone).toBe('+8613600136000')
  })

  it('takes the connection from the body when given', async () => {
    const login = await t.login('m-max', 'shop')
    const body = { connection: 'solo', phoneCode: await phoneCode('solo', '13600136001') }
    const res = await t.request('POST', '/v1/me/phone', body, t.bearer(login.json.accessToken))
    expect(res.json.user.phone).toBe('+8613600136001')
  })

  it('answers 409 phone_taken when another account holds the phone', async () => {
    await t.phoneLogin('m-ned', '13600136002', 'shop')
    const other = await t.login('m-olga', 'shop')
    const body = { phoneCode: await phoneCode('shop', '13600136002') }
    const res = await t.request('POST', '/v1/me/phone', body, t.bearer(other.json.accessToken))
    expect(res.status).toBe(409)
    expect(res.json.error.code).toBe('phone_taken')
    const [user] = await t.db.select().from(users).where(eq(users.id, other.json.user.id))
    expect(user!.phone).toBeNull()
  })

  it('needs a bearer token', async () => {
    const res = await t.request('POST', '/v1/me/phone', { phoneCode: 'f'.repeat(64) })
    expect(res.status).toBe(401)
    expect(res.json.error.code).toBe('token_missing')
  })
})
