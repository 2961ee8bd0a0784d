// The WeChat client against a started simulator over real HTTP: parsing, errcode mapping, timeouts, no leaks.
import { Writable } from 'node:stream'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../service/errors'
import { createLogger } from '../../service/log'
import { createWeChatClient, type WeChatApp, type WeChatClient } from '../../service/wechat/client'
import { startSimulator, type StartedSimulator } from '../../simulator/server'

const shop: WeChatApp = {
  connectionId: 'shop',
  appId: 'wx00000000000000a1',
  appSecret: 'S3cret'.repeat(5) + 'aa',
}
const solo: WeChatApp = {
  connectionId: 'solo',
  appId: 'wx00000000000000c3',
  appSecret: 'c'.repeat(32),
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- control API bodies, read field by field
type Json = any

let sim: StartedSimulator
let client: WeChatClient
const logs: string[] = []

beforeAll(async () => {
  sim = await startSimulator({
    apps: [
      { appId: shop.appId, secret: shop.appSecret, openPlatform: 'acme' },
      { appId: solo.appId, secret: solo.appSecret },
    ],
  })
  const sink = new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) })
  client = createWeChatClient({ baseUrl: sim.url, logger: createLogger('debug', sink) })
})
afterAll(async () => {
  await client.close()
  await sim.close()
})
beforeEach(() => control('POST', '/reset'))

async function control(method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${sim.url}/__sim${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return res.json()
}
const mint = (app: WeChatApp, user = 'alice') =>
  control('POST', '/login-codes', { appId: app.appId, user })
const fault = (path: string, f: Record<string, unknown>) =>
  control('POST', '/faults', { path, ...f })
const phoneCode = async (app: WeChatApp, phoneNumber = '13800138000') =>
  (await control('POST', '/phone-codes', { appId: app.appId, phoneNumber })).code as string

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`)
  return err
}

describe('code2Session', () => {
  it('parses the text/plain JSON success into openid, session key and unionid', async () => {
    const minted = await mint(shop)
    expect(await client.code2Session(shop, minted.code)).toEqual({
      openid: minted.openid,
      sessionKey: minted.sessionKey,
      unionid: minted.unionid,
    })
  })

  it('returns a unionid only for apps bound to an Open Platform account', async () => {
    const session = await client.code2Session(solo, (await mint(solo)).code)
    expect(session).not.toHaveProperty('unionid')
  })

  it('answers invalid_code for a code used twice', async () => {
    const { code } = await mint(shop)
    await client.code2Session(shop, code)
    const err = await failure(client.code2Session(shop, code))
    expect([err.code, err.status]).toEqual(['invalid_code', 400])
  })

  it.each([
    [40029, 'invalid_code', 400],
    [40163, 'invalid_code', 400],
    [41008, 'invalid_code', 400],
    [45011, 'wechat_rate_limited', 429],
    [40226, 'wechat_user_blocked', 403],
    [-1, 'wechat_unavailable', 503],
    [40013, 'wechat_misconfigured', 502],
    [40125, 'wechat_misconfigured', 502],
    [41002, 'wechat_misconfigured', 502],
    [41004, 'wechat_misconfigured', 502],
    [40164, 'wechat_ip_not_whitelisted', 502],
    [40243, 'wechat_misconfigured', 502],
    [89503, 'wechat_misconfigured', 502],
    [99999, 'wechat_error', 502],
  ])('maps jscode2session errcode %i to %s (%i)', async (errcode, code, status) => {
    await fault('/sns/jscode2session', { errcode, times: 1 })
    const err = await failure(client.code2Session(shop, (await mint(shop)).code))
    expect([err.code, err.status]).toEqual([code, status])
    if (errcode === 45011) expect(err.retryAfter).toBe(60)
  })

  it('never retries a code, even when WeChat is busy', async () => {
    await fault('/sns/jscode2session', { errcode: -1, times: 1 })
    await failure(client.code2Session(shop, (await mint(shop)).code))
    expect((await control('GET', '/stats')).calls['/sns/jscode2session']).toBe(1)
  })

  it('answers wechat_unavailable within the timeout when WeChat hangs', async () => {
    const impatient = createWeChatClient({ baseUrl: sim.url, timeoutMs: 500 })
    await fault('/sns/jscode2session', { delayMs: 60_000, times: 1 })
    const started = Date.now()
    const err = await failure(impatient.code2Session(shop, (await mint(shop)).code))
    expect(err.code).toBe('wechat_unavailable')
    expect(Date.now() - started).toBeLessThan(1500)
    await impatient.close()
  })

  it.each([
    ['a non-JSON body', { garbage: true }],
    ['an HTTP 502', { status: 502 }],
    ['a JSON array', { body: [1, 2] }],
  ])('answers wechat_unavailable for %s', async (_what, f) => {
    await fault('/sns/jscode2session', { ...f, times: 1 })
    const err = await failure(client.code2Session(shop, (await mint(shop)).code))
    expect([err.code, err.status]).toEqual(['wechat_unavailable', 503])
  })

  it('answers wechat_unavailable when nothing listens', async () => {
    const nowhere = createWeChatClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 })
    expect((await failure(nowhere.code2Session(shop, 'x'.repeat(32)))).code).toBe(
      'wechat_unavailable',
    )
    await nowhere.close()
  })

  it('treats a success without session key as a WeChat error', async () => {
    await fault('/sns/jscode2session', { body: { openid: 'oAbc', errcode: 0 }, times: 1 })
    expect((await failure(client.code2Session(shop, (await mint(shop)).code))).code).toBe(
      'wechat_error',
    )
  })
})

describe('getStableAccessToken', () => {
  it('returns the same token twice in normal mode and a new one when forced', async () => {
    const first = await client.getStableAccessToken(shop)
    expect(first.expiresIn).toBe(7200)
    expect((await client.getStableAccessToken(shop)).accessToken).toBe(first.accessToken)
    const forced = await client.getStableAccessToken(shop, { forceRefresh: true })
    expect(forced.accessToken).not.toBe(first.accessToken)
    // A second force within 30 s does not refresh (doc: "否则不会刷新").
    expect((await client.getStableAccessToken(shop, { forceRefresh: true })).accessToken).toBe(
      forced.accessToken,
    )
  })

  it.each([
    [45009, 'wechat_rate_limited', 429],
    [40013, 'wechat_misconfigured', 502],
    [40125, 'wechat_misconfigured', 502],
    [40001, 'wechat_misconfigured', 502],
    [40164, 'wechat_ip_not_whitelisted', 502],
    [-1, 'wechat_unavailable', 503],
  ])('maps stable_token errcode %i to %s (%i)', async (errcode, code, status) => {
    await fault('/cgi-bin/stable_token', { errcode, times: 1 })
    const err = await failure(client.getStableAccessToken(shop))
    expect([err.code, err.status]).toEqual([code, status])
  })

  it('reports a wrong secret as a misconfiguration', async () => {
    const err = await failure(client.getStableAccessToken({ ...shop, appSecret: 'wrong' }))
    expect(err.code).toBe('wechat_misconfigured')
  })
})

describe('getPhoneNumber', () => {
  it('exchanges a phone code for an E.164 number', async () => {
    const { accessToken } = await client.getStableAccessToken(shop)
    expect(await client.getPhoneNumber(shop, accessToken, await phoneCode(shop))).toEqual({
      e164: '+8613800138000',
      phoneNumber: '13800138000',
      purePhoneNumber: '13800138000',
      countryCode: '86',
      watermarkAppId: shop.appId,
    })
  })

  it('accepts the country code as a number, as the doc sample writes it', async () => {
    const { accessToken } = await client.getStableAccessToken(shop)
    const phone_info = {
      phoneNumber: '13580006666',
      purePhoneNumber: '13580006666',
      countryCode: 86,
      watermark: { timestamp: 1637744274, appid: shop.appId },
    }
    const body = { errcode: 0, errmsg: 'ok', phone_info }
    await fault('/wxa/business/getuserphonenumber', { body, times: 1 })
    const info = await client.getPhoneNumber(shop, accessToken, 'e'.repeat(64))
    expect([info.e164, info.countryCode]).toEqual(['+8613580006666', '86'])
  })

  it('refuses a number watermarked for another app', async () => {
    const { accessToken } = await client.getStableAccessToken(shop)
    const phone_info = {
      purePhoneNumber: '13580006666',
      countryCode: '86',
      watermark: { appid: solo.appId },
    }
    await fault('/wxa/business/getuserphonenumber', { body: { errcode: 0, phone_info }, times: 1 })
    expect((await failure(client.getPhoneNumber(shop, accessToken, 'e'.repeat(64)))).code).toBe(
      'wechat_error',
    )
  })

  it('answers invalid_phone_code for a used code and wechat_token_invalid for an invalidated token', async () => {
    const { accessToken } = await client.getStableAccessToken(shop)
    const code = await phoneCode(shop)
    await client.getPhoneNumber(shop, accessToken, code)
    expect((await failure(client.getPhoneNumber(shop, accessToken, code))).code).toBe(
      'invalid_phone_code',
    )
    await control('POST', '/access-tokens/invalidate', { appId: shop.appId })
    const err = await failure(client.getPhoneNumber(shop, accessToken, await phoneCode(shop)))
    expect([err.code, err.status]).toEqual(['wechat_token_invalid', 503])
  })

  it.each([
    [40029, 'invalid_phone_code', 400],
    [40001, 'wechat_token_invalid', 503],
    [42001, 'wechat_token_invalid', 503],
    [41001, 'wechat_token_invalid', 503],
    [40013, 'invalid_phone_code', 400],
    [48001, 'wechat_misconfigured', 502],
    [45011, 'wechat_rate_limited', 429],
    [-1, 'wechat_unavailable', 503],
  ])('maps getuserphonenumber errcode %i to %s (%i)', async (errcode, code, status) => {
    await fault('/wxa/business/getuserphonenumber', { errcode, times: 1 })
    const err = await failure(client.getPhoneNumber(shop, 'token', 'e'.repeat(64)))
    expect([err.code, err.status]).toEqual([code, status])
  })
})

describe('secrets', () => {
  it('never puts the secret, session key, token or code in an error message or a log line', async () => {
    const minted = await mint(shop)
    await client.code2Session(shop, minted.code)
    const { accessToken } = await client.getStableAccessToken(shop)
    const messages: string[] = []
    for (const errcode of [40125, 40164, 99999]) {
      await fault('/sns/jscode2session', { errcode, times: 1 })
      await fault('/cgi-bin/stable_token', { errcode, times: 1 })
      messages.push((await failure(client.code2Session(shop, minted.code))).message)
      messages.push((await failure(client.getStableAccessToken(shop))).message)
    }
    await fault('/wxa/business/getuserphonenumber', { garbage: true, times: 1 })
    const err = await failure(client.getPhoneNumber(shop, accessToken, 'e'.repeat(64)))
    messages.push(err.message, JSON.stringify(err), String(err.cause))
    expect(logs.some((line) => line.includes('"level":"error"'))).toBe(true)
    const everything = [...messages, ...logs].join('\n')
    for (const secret of [shop.appSecret, minted.sessionKey, accessToken, minted.code, 'secret='])
      expect(everything).not.toContain(secret)
  })
})
