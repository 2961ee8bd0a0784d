// WeChat's 20 forced access-token refreshes a day are counted in China's calendar day (Asia/Shanghai, UTC+8):
// at 17:00 UTC it is already 01:00 of the next day there, so UTC's date and Shanghai's differ.
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { wechatAccessTokens } from '../../service/db/schema'
import { APP_A, createTestApp, type TestApp } from '../helpers/test-app'

// Today at 17:00 UTC: a known time of day, not a calendar date.
const startAt = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 + 17 * 3600_000)
const utcDay = startAt.toISOString().slice(0, 10)
const shanghaiDay = new Date(startAt.getTime() + 86_400_000).toISOString().slice(0, 10)

let t: TestApp
beforeAll(async () => {
  t = await createTestApp({ startAt })
})
afterAll(() => t.close())

let people = 0
const phoneLogin = () => t.phoneLogin(`day-${++people}`, String(13200000000 + people))

const setForced = (values: Partial<typeof wechatAccessTokens.$inferInsert>) =>
  t.db.update(wechatAccessTokens).set(values).where(eq(wechatAccessTokens.appid, APP_A.appId))

const row = async () =>
  (
    await t.db.select().from(wechatAccessTokens).where(eq(wechatAccessTokens.appid, APP_A.appId))
  )[0]!

// Each test starts with a valid token on record, no forced refresh in the last 30 s (for WeChat either).
beforeEach(async () => {
  t.clock.advance(31)
  await t.simControl('/clock', { advanceMs: 31_000 })
  await setForced({ forcedDay: null, forcedCount: 0, lastForcedAt: null })
  expect((await phoneLogin()).status).toBe(200)
})

describe("the forced-refresh quota in China's day", () => {
  it('is whole again at 01:00 in Shanghai, though the UTC day of the last 20 has not ended', async () => {
    await setForced({ forcedDay: utcDay, forcedCount: 20, lastForcedAt: null })
    await t.simControl('/access-tokens/invalidate', { appId: APP_A.appId })
    expect((await phoneLogin()).status).toBe(200)
    expect(await row()).toMatchObject({ forcedDay: shanghaiDay, forcedCount: 1 })
  })

  it('is used up by 20 forced since midnight in Shanghai, until the next midnight there', async () => {
    await setForced({ forcedDay: shanghaiDay, forcedCount: 20, lastForcedAt: null })
    await t.simControl('/access-tokens/invalidate', { appId: APP_A.appId })
    const refused = await phoneLogin()
    expect(refused.status).toBe(503)
    expect(refused.json.error.code).toBe('wechat_unavailable')
    // Midnight in Shanghai is 16:00 UTC: 23 hours after the clock started at 17:00 UTC.
    const sinceStart = (t.clock.now().getTime() - startAt.getTime()) / 1000
    expect(Number(refused.headers.get('retry-after'))).toBe(Math.ceil(23 * 3600 - sinceStart))
    expect(await row()).toMatchObject({ forcedDay: shanghaiDay, forcedCount: 20 })
  })
})
