// The WeChat simulator over real HTTP: WeChat's documented contract, plus its control API.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startSimulator, type StartedSimulator } from '../../simulator/server'

const shop = { appId: 'wx00000000000000a1', secret: 'a'.repeat(32), openPlatform: 'acme' }
const mall = { appId: 'wx00000000000000b2', secret: 'b'.repeat(32), openPlatform: 'acme' }
const solo = { appId: 'wx00000000000000c3', secret: 'c'.repeat(32) }

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any

let sim: StartedSimulator
let clock = 1_800_000_000_000

beforeAll(async () => {
  sim = await startSimulator({ apps: [shop, mall, solo], now: () => clock })
})
afterAll(() => sim.close())
beforeEach(async () => {
  await control('POST', '/reset')
})

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.url}/__sim${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, json: (await res.json()) as Json }
}

async function code2session(app: { appId: string; secret: string }, code: string) {
  const q = new URLSearchParams({ appid: app.appId, secret: app.secret, js_code: code })
  q.set('grant_type', 'authorization_code')
  const res = await fetch(`${sim.url}/sns/jscode2session?${q}`)
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    json: JSON.parse(await res.text()) as Json,
  }
}

const mint = async (app: { appId: string }, user: string) =>
  (await control('POST', '/login-codes', { appId: app.appId, user })).json

const post = async (path: string, body: unknown) => {
  const res = await fetch(sim.url + path, { method: 'POST', body: JSON.stringify(body) })
  return { type: res.headers.get('content-type'), json: (await res.json()) as Json }
}

describe('jscode2session', () => {
  it('exchanges a minted code once, as text/plain JSON without errcode', async () => {
    const minted = await mint(shop, 'alice')
    expect(minted.code).toMatch(/^[0-9A-Za-z]{32}$/)
    const first = await code2session(shop, minted.code)
    expect(first.status).toBe(200)
    expect(first.type).toMatch(/^text\/plain/)
    expect(first.json).toEqual({
      session_key: minted.sessionKey,
      openid: minted.openid,
      unionid: minted.unionid,
    })
    expect(first.json.session_key).toMatch(/^[A-Za-z0-9+/]{22}==$/)
    expect((await code2session(shop, minted.code)).json.errcode).toBe(40163)
  })

  it('expires a code after 5 minutes on the simulated clock', async () => {
    const a = await mint(shop, 'alice')
    const b = await mint(shop, 'bob')
    clock += 299_000
    expect((await code2session(shop, a.code)).json.openid).toBe(a.openid)
    await control('POST', '/clock', { advanceMs: 1_000 })
    const late = await code2session(shop, b.code)
    expect(late.json.errcode).toBe(40029)
    expect(late.json.errmsg).toMatch(/, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/)
  })

  it('refuses a code minted for another appid', async () => {
    const minted = await mint(shop, 'alice')
    expect((await code2session(mall, minted.code)).json.errcode).toBe(40029)
    expect((await code2session(shop, minted.code)).json.openid).toBe(minted.openid)
  })

  it('gives per-app openids and unionids shared within one Open Platform account only', async () => {
    const [a, b, c] = [
      await mint(shop, 'alice'),
      await mint(mall, 'alice'),
      await mint(solo, 'alice'),
    ]
    expect(a.openid).toMatch(/^o[A-Za-z0-9_-]{27}$/)
    expect(new Set([a.openid, b.openid, c.openid]).size).toBe(3)
    expect(a.unionid).toMatch(/^o[A-Za-z0-9_-]{27}$/)
    expect(b.unionid).toBe(a.unionid)
    expect((await code2session(solo, c.code)).json).not.toHaveProperty('unionid')
    expect((await mint(shop, 'bob')).unionid).not.toBe(a.unionid)
  })

  it('keeps the session key until it is rotated', async () => {
    const first = await mint(shop, 'alice')
    expect((await mint(shop, 'alice')).sessionKey).toBe(first.sessionKey)
    const rotated = (
      await control('POST', '/sessions/rotate', { appId: shop.appId, user: 'alice' })
    ).json
    expect(rotated.sessionKey).not.toBe(first.sessionKey)
    expect((await mint(shop, 'alice')).sessionKey).toBe(rotated.sessionKey)
  })

  it('answers 40013, 40125, 41002, 41004 and 41008 for bad credentials or parameters', async () => {
    const code = (await mint(shop, 'alice')).code
    const errcode = async (q: string) =>
      ((await (await fetch(`${sim.url}/sns/jscode2session?${q}`)).json()) as Json).errcode
    const grant = 'grant_type=authorization_code'
    expect(await errcode(`appid=wx0000000000000999&secret=x&js_code=${code}&${grant}`)).toBe(40013)
    expect(await errcode(`appid=${shop.appId}&secret=wrong&js_code=${code}&${grant}`)).toBe(40125)
    expect(await errcode(`secret=x&js_code=${code}&${grant}`)).toBe(41002)
    expect(await errcode(`appid=${shop.appId}&js_code=${code}&${grant}`)).toBe(41004)
    expect(await errcode(`appid=${shop.appId}&secret=${shop.secret}&${grant}`)).toBe(41008)
    expect((await code2session(shop, code)).json.openid).toBeDefined()
  })
})

describe('stable_token', () => {
  const token = (app: typeof shop, force?: boolean) =>
    post('/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      appid: app.appId,
      secret: app.secret,
      ...(force === undefined ? {} : { force_refresh: force }),
    })

  it('returns the same token until its last 5 minutes, then a new one while the old still works', async () => {
    const first = await token(shop)
    expect(first.type).toMatch(/^application\/json/)
    expect(first.json.expires_in).toBe(7200)
    clock += 6_800_000
    expect((await token(shop)).json).toEqual({
      access_token: first.json.access_token,
      expires_in: 400,
    })
    clock += 200_000
    const second = await token(shop)
    expect(second.json.access_token).not.toBe(first.json.access_token)
    const phone = (
      await control('POST', '/phone-codes', { appId: shop.appId, phoneNumber: '13800138000' })
    ).json.code
    const use = (t: string, code: string) =>
      post(`/wxa/business/getuserphonenumber?access_token=${t}`, { code })
    expect((await use(first.json.access_token, phone)).json.errcode).toBe(0)
    clock += 200_000
    expect((await use(first.json.access_token, 'x')).json.errcode).toBe(42001)
  })

  it('force-refreshes at most every 30 s and 20 times a day, invalidating the previous token', async () => {
    const first = (await token(shop)).json.access_token
    const forced = (await token(shop, true)).json.access_token
    expect(forced).not.toBe(first)
    expect((await token(shop, true)).json.access_token).toBe(forced) // within 30 s: unchanged
    const use = await post(`/wxa/business/getuserphonenumber?access_token=${first}`, { code: 'x' })
    expect(use.json.errcode).toBe(40001)
    for (let i = 1; i < 20; i++) {
      clock += 30_000
      expect((await token(shop, true)).json.errcode).toBeUndefined()
    }
    clock += 30_000
    expect((await token(shop, true)).json.errcode).toBe(45009)
  })

  it('rejects a wrong secret, an unknown appid and a wrong grant_type', async () => {
    expect((await token({ ...shop, secret: 'nope' })).json.errcode).toBe(40125)
    expect((await token({ ...shop, appId: 'wx0000000000000999' })).json.errcode).toBe(40013)
    const bad = { grant_type: 'password', appid: shop.appId, secret: shop.secret }
    expect((await post('/cgi-bin/stable_token', bad)).json.errcode).toBe(40002)
  })

  it('issues a new token after the control API invalidates the current ones', async () => {
    const first = (await token(shop)).json.access_token
    await control('POST', '/access-tokens/invalidate', { appId: shop.appId })
    const use = await post(`/wxa/business/getuserphonenumber?access_token=${first}`, { code: 'x' })
    expect(use.json.errcode).toBe(40001)
    expect((await token(shop)).json.access_token).not.toBe(first)
  })

  it('answers 40164 naming the caller when an IP whitelist leaves it out, and leaves jscode2session open', async () => {
    await control('POST', '/apps', { ...shop, ipWhitelist: ['203.0.113.10'] })
    const refused = await token(shop)
    expect(refused.json.errcode).toBe(40164)
    expect(refused.json.errmsg).toMatch(
      /^invalid ip 127\.0\.0\.1 ipv6 ::ffff:127\.0\.0\.1, not in whitelist, rid: /,
    )
    const basic = await fetch(
      `${sim.url}/cgi-bin/token?grant_type=client_credential&appid=${shop.appId}&secret=${shop.secret}`,
    )
    expect(((await basic.json()) as Json).errcode).toBe(40164)
    const { code } = (await control('POST', '/login-codes', { appId: shop.appId, user: 'u' })).json
    expect((await code2session(shop, code)).json.openid).toBeDefined()
    await control('POST', '/apps', { ...shop, ipWhitelist: ['203.0.113.10', '127.0.0.1'] })
    expect((await token(shop)).json.access_token).toBeDefined()
  })
})

describe('getuserphonenumber', () => {
  const stable = async (app: typeof shop) =>
    (
      await post('/cgi-bin/stable_token', {
        grant_type: 'client_credential',
        appid: app.appId,
        secret: app.secret,
      })
    ).json.access_token as string
  const phoneCode = async (app: typeof shop, phoneNumber: string, countryCode?: string) =>
    (await control('POST', '/phone-codes', { appId: app.appId, phoneNumber, countryCode })).json
      .code as string
  const exchange = (token: string, code: string) =>
    post(`/wxa/business/getuserphonenumber?access_token=${token}`, { code })

  it('exchanges a phone code once for phone_info with a string country code', async () => {
    const code = await phoneCode(shop, '13800138000')
    expect(code).toMatch(/^[0-9a-f]{64}$/)
    const t = await stable(shop)
    const first = await exchange(t, code)
    expect(first.type).toMatch(/^application\/json/)
    expect(first.json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      phone_info: {
        phoneNumber: '13800138000',
        purePhoneNumber: '13800138000',
        countryCode: '86',
        watermark: { timestamp: Math.floor(clock / 1000), appid: shop.appId },
      },
    })
    expect((await exchange(t, code)).json.errcode).toBe(40029)
  })

  it('prefixes foreign numbers with their country code', async () => {
    const info = (await exchange(await stable(shop), await phoneCode(shop, '2025550100', '1'))).json
      .phone_info
    expect(info).toMatchObject({
      phoneNumber: '+12025550100',
      purePhoneNumber: '2025550100',
      countryCode: '1',
    })
  })

  it('answers 40013 for another app token, 40029 after 5 minutes, 41001 without a token', async () => {
    const code = await phoneCode(shop, '13800138000')
    expect((await exchange(await stable(mall), code)).json.errcode).toBe(40013)
    clock += 300_000
    expect((await exchange(await stable(shop), code)).json.errcode).toBe(40029)
    expect((await post('/wxa/business/getuserphonenumber', { code })).json.errcode).toBe(41001)
  })

  it("answers 40029 when the openid is not the code's person, and leaves the code unused", async () => {
    const { code } = (
      await control('POST', '/phone-codes', {
        appId: shop.appId,
        phoneNumber: '13800138000',
        user: 'alice',
      })
    ).json
    const openid = (who: string) =>
      control('POST', '/login-codes', { appId: shop.appId, user: who }).then((r) => r.json.openid)
    const t = await stable(shop)
    const url = `/wxa/business/getuserphonenumber?access_token=${t}`
    expect((await post(url, { code, openid: await openid('mallory') })).json.errcode).toBe(40029)
    expect((await post(url, { code, openid: 42 })).json.errcode).toBe(47001)
    const ok = await post(url, { code, openid: await openid('alice') })
    expect(ok.json.errcode).toBe(0)
    expect(ok.json.phone_info.purePhoneNumber).toBe('13800138000')
  })
})

describe('control API', () => {
  it('applies a fault the given number of times, before touching state, and counts every call', async () => {
    const fault = { path: '/sns/jscode2session', errcode: 45011, times: 2 }
    expect((await control('POST', '/faults', fault)).status).toBe(201)
    const minted = await mint(shop, 'alice')
    expect((await code2session(shop, minted.code)).json.errcode).toBe(45011)
    expect((await code2session(shop, minted.code)).json.errcode).toBe(45011)
    expect((await code2session(shop, minted.code)).json.openid).toBe(minted.openid)
    expect((await control('GET', '/stats')).json.calls['/sns/jscode2session']).toBe(3)
  })

  it('keeps a fault without times until the faults are cleared', async () => {
    await control('POST', '/faults', { path: '/cgi-bin/stable_token', garbage: true })
    const body = { grant_type: 'client_credential', appid: shop.appId, secret: shop.secret }
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${sim.url}/cgi-bin/stable_token`, {
        method: 'POST',
        body: JSON.stringify(body),
      })
      await expect(res.json()).rejects.toThrow()
    }
    await control('DELETE', '/faults')
    expect((await post('/cgi-bin/stable_token', body)).json.access_token).toBeDefined()
  })

  it('registers apps at run time and refuses codes for unknown ones', async () => {
    expect(
      (await control('POST', '/login-codes', { appId: 'wx00000000000000d4', user: 'x' })).status,
    ).toBe(404)
    await control('POST', '/apps', { appId: 'wx00000000000000d4', secret: 'd'.repeat(32) })
    const minted = await mint({ appId: 'wx00000000000000d4' }, 'x')
    expect(minted).not.toHaveProperty('unionid')
    expect((await control('POST', '/faults', { path: '/nope' })).status).toBe(400)
  })

  it('encrypts legacy phone data under the user’s current session key', async () => {
    const { json } = await control('POST', '/encrypted-phone', {
      appId: shop.appId,
      user: 'alice',
      phoneNumber: '13800138000',
    })
    expect(Buffer.from(json.iv, 'base64')).toHaveLength(16)
    expect(Buffer.from(json.encryptedData, 'base64').length % 16).toBe(0)
  })
})
