// The shared WeChat access token: fetched once per appid, sealed in the database, refreshed in its last five
// minutes, and replaced within WeChat's force_refresh limits when WeChat rejects it
// (https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken).
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { wechatAccessTokens } from '../../service/db/schema'
import { APP_A, APP_B, APP_SOLO, createTestApp, type TestApp } from '../helpers/test-app'

// Today at 08:00 UTC (16:00 in Shanghai): the quota tests need a known time of day, not a calendar date.
const startAt = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 + 8 * 3600_000)
const today = startAt.toISOString().slice(0, 10)
const yesterday = new Date(startAt.getTime() - 86_400_000).toISOString().slice(0, 10)

let t: TestApp
beforeAll(async () => {
  t = await createTestApp({ startAt })
})
afterAll(() => t.close())

const appIds: Record<string, string> = {
  shop: APP_A.appId,
  mall: APP_B.appId,
  solo: APP_SOLO.appId,
}
let people = 0

async function phoneLogin(connection = 'shop') {
  const n = ++people
  const code = await t.mintCode(`tok-${n}`, connection)
  const phoneNumber = String(13100000000 + n)
  const minted = await t.simControl('/phone-codes', { appId: appIds[connection], phoneNumber })
  return t.request('POST', `/v1/connections/${connection}/login-by-phone`, {
    code,
    phoneCode: minted.code,
  })
}

async function calls() {
  const res = await fetch(`${t.sim.url}/__sim/stats`)
  const { calls } = (await res.json()) as { calls: Record<string, number> }
  return {
    stable: calls['/cgi-bin/stable_token']!,
    phone: calls['/wxa/business/getuserphonenumber']!,
  }
}

const row = async (appid = APP_A.appId) =>
  (await t.db.select().from(wechatAccessTokens).where(eq(wechatAccessTokens.appid, appid)))[0]!

const invalidate = () => t.simControl('/access-tokens/invalidate', { appId: APP_A.appId })

/** Moves both clocks: the service's and the simulator's. */
async function advance(seconds: number) {
  t.clock.advance(seconds)
  await t.simControl('/clock', { advanceMs: seconds * 1000 })
}

/** No forced refresh on record for shop's token. */
const resetForced = () =>
  t.db
    .update(wechatAccessTokens)
    .set({ forcedDay: null, forcedCount: 0, lastForcedAt: null })
    .where(eq(wechatAccessTokens.appid, APP_A.appId))

// Each test starts from the same state, whatever ran before it (the suite passes shuffled): shop has a valid
// token and no forced refresh on record, and the last one is more than 30 s ago for WeChat too.
beforeEach(async () => {
  await advance(31)
  await resetForced()
  expect((await phoneLogin()).status).toBe(200)
  await resetForced()
})

describe('the WeChat access token', () => {
  it('is fetched once, by one caller of many at once, and reused for later phone logins', async () => {
    // mall's token is fetched by this test alone.
    const before = await calls()
    const burst = await Promise.all(Array.from({ length: 10 }, () => phoneLogin('mall')))
    expect(burst.map((r) => r.status)).toEqual(Array(10).fill(200))
    for (let i = 0; i < 5; i++) expect((await phoneLogin('mall')).status).toBe(200)
    expect(await calls()).toEqual({ stable: before.stable + 1, phone: before.phone + 15 })
  })

  it('is kept per appid, sealed under MASTER_KEY, and never logged', async () => {
    expect((await phoneLogin('solo')).status).toBe(200)
    const shop = await row()
    const { accessToken, expiresAt } = await t.deps.wechatTokens.current(
      t.config.connections.find((c) => c.id === 'shop')!,
    )
    expect(shop.tokenEnc).toMatch(/^v1\./)
    expect(shop.tokenEnc).not.toContain(accessToken)
    expect(t.deps.sealer.open(shop.tokenEnc, `wechat_access_token:${APP_A.appId}`)).toBe(
      accessToken,
    )
    expect(expiresAt.getTime() - shop.fetchedAt.getTime()).toBe(7200_000)
    expect((await row(APP_SOLO.appId)).tokenEnc).not.toBe(shop.tokenEnc)
    expect(t.logs.join('\n')).not.toContain(accessToken)
  })

  it('is replaced after WeChat invalidates it: one forced refresh, one retry', async () => {
    const before = await calls()
    await invalidate()
    const res = await phoneLogin()
    expect(res.status).toBe(200)
    expect(await calls()).toEqual({ stable: before.stable + 1, phone: before.phone + 2 })
    expect(await row()).toMatchObject({
      forcedDay: today,
      forcedCount: 1,
      lastForcedAt: t.clock.now(),
    })
  })

  it('answers 503 wechat_unavailable with Retry-After rather than force twice within 30 s', async () => {
    await invalidate()
    expect((await phoneLogin()).status).toBe(200)
    await invalidate()
    const refused = await phoneLogin()
    expect(refused.status).toBe(503)
    expect(refused.json.error.code).toBe('wechat_unavailable')
    expect(refused.json.error.message).toMatch(/30 seconds/)
    expect(Number(refused.headers.get('retry-after'))).toBe(30)
    await advance(31)
    expect((await phoneLogin()).status).toBe(200)
    expect((await row()).forcedCount).toBe(2)
  })

  it('forces one refresh for many callers that saw the token rejected at once', async () => {
    await invalidate()
    const before = await calls()
    const answers = await Promise.all(Array.from({ length: 5 }, () => phoneLogin()))
    expect(answers.map((r) => r.status)).toEqual(Array(5).fill(200))
    expect((await calls()).stable).toBe(before.stable + 1)
    expect((await row()).forcedCount).toBe(1)
  })

  it('uses a token another instance already replaced, without forcing', async () => {
    await invalidate()
    // Another instance got the new token and stored it, as its own replace() would.
    const res = await fetch(`${t.sim.url}/cgi-bin/stable_token`, {
      method: 'POST',
      body: JSON.stringify({
        grant_type: 'client_credential',
        appid: APP_A.appId,
        secret: APP_A.appSecret,
      }),
    })
    const fresh = (await res.json()) as { access_token: string; expires_in: number }
    await t.db
      .update(wechatAccessTokens)
      .set({
        tokenEnc: t.deps.sealer.seal(fresh.access_token, `wechat_access_token:${APP_A.appId}`),
        expiresAt: new Date(t.clock.now().getTime() + fresh.expires_in * 1000),
      })
      .where(eq(wechatAccessTokens.appid, APP_A.appId))
    const before = await calls()
    expect((await phoneLogin()).status).toBe(200)
    expect((await calls()).stable).toBe(before.stable)
    expect((await row()).forcedCount).toBe(0)
  })

  it("stops forcing once the day's 20 forced refreshes are used, until the Shanghai day ends", async () => {
    await t.db
      .update(wechatAccessTokens)
      .set({ forcedDay: today, forcedCount: 20 })
      .where(eq(wechatAccessTokens.appid, APP_A.appId))
    await invalidate()
    const refused = await phoneLogin()
    expect(refused.status).toBe(503)
    expect(refused.json.error.code).toBe('wechat_unavailable')
    // The quota comes back at midnight in Shanghai: 16:00 there when the clock started at 08:00 UTC.
    const sinceStart = (t.clock.now().getTime() - startAt.getTime()) / 1000
    const retryAfter = Number(refused.headers.get('retry-after'))
    expect(retryAfter).toBe(Math.ceil(8 * 3600 - sinceStart))
    // A count from an earlier day does not hold back today's refreshes.
    await t.db
      .update(wechatAccessTokens)
      .set({ forcedDay: yesterday })
      .where(eq(wechatAccessTokens.appid, APP_A.appId))
    expect((await phoneLogin()).status).toBe(200)
    expect(await row()).toMatchObject({ forcedDay: today, forcedCount: 1 })
  })

  it('answers 503 wechat_unavailable when WeChat rejects the replaced token too', async () => {
    await t.simControl('/faults', {
      path: '/wxa/business/getuserphonenumber',
      errcode: 40001,
      times: 2,
    })
    const before = await calls()
    const res = await phoneLogin()
    expect(res.status).toBe(503)
    expect(res.json.error.code).toBe('wechat_unavailable')
    expect(await calls()).toEqual({ stable: before.stable + 1, phone: before.phone + 2 })
  })

  it('stops forcing for the day when WeChat answers that its quota is used (45009)', async () => {
    await t.simControl('/faults', { path: '/cgi-bin/stable_token', errcode: 45009, times: 1 })
    await invalidate()
    const res = await phoneLogin()
    expect(res.status).toBe(503)
    expect(res.json.error.code).toBe('wechat_unavailable')
    expect(await row()).toMatchObject({ forcedDay: today, forcedCount: 20 })
  })

  it('is refreshed in its last five minutes, when WeChat hands out a new one', async () => {
    const shop = t.config.connections.find((c) => c.id === 'shop')!
    const old = await t.deps.wechatTokens.current(shop)
    await advance((old.expiresAt.getTime() - t.clock.now().getTime()) / 1000 - 299)
    const before = await calls()
    expect((await phoneLogin()).status).toBe(200)
    expect((await calls()).stable).toBe(before.stable + 1)
    const renewed = await t.deps.wechatTokens.current(shop)
    expect(renewed.accessToken).not.toBe(old.accessToken)
    expect(renewed.expiresAt.getTime() - t.clock.now().getTime()).toBe(7200_000)
  })
})
