// A phone code from another Mini Program is the caller's mistake (400, no alarm); a WeChat connection whose
// AppID WeChat does not know is still an operator's (502 wechat_misconfigured, logged as an error).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator, type StartedSimulator } from '../../simulator/server'
import { APP_A, APP_B, createTestApp, type TestApp } from '../helpers/test-app'

/** Lines at `error` or `fatal`: what an operator's alarm watches. */
const errorLines = (t: TestApp) =>
  t.logs.filter((line) => ['error', 'fatal'].includes(JSON.parse(line).level))

describe('a phone code issued for another Mini Program', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp()
  })
  afterAll(() => t.close())

  it('answers 400 invalid_phone_code and logs no error (getuserphonenumber 40013)', async () => {
    const { code: phoneCode } = await t.simControl('/phone-codes', {
      appId: APP_B.appId,
      phoneNumber: '13500135000',
    })
    const before = errorLines(t).length
    const read = await t.request('POST', '/v1/connections/shop/phone', { phoneCode })
    expect(read.status).toBe(400)
    expect(read.json.error.code).toBe('invalid_phone_code')
    const code = await t.mintCode('origin-amy', 'shop')
    const login = await t.request('POST', '/v1/connections/shop/login-by-phone', {
      code,
      phoneCode,
    })
    expect(login.status).toBe(400)
    expect(login.json.error.code).toBe('invalid_phone_code')
    expect(errorLines(t).slice(before)).toEqual([])
  })
})

describe('a connection whose AppID WeChat does not know', () => {
  let sim: StartedSimulator
  let t: TestApp
  beforeAll(async () => {
    // WeChat knows only the shop: the mall's AppID is wrong in this deployment's configuration.
    sim = await startSimulator({ apps: [{ appId: APP_A.appId, secret: APP_A.appSecret }] })
    t = await createTestApp({ simulator: sim, connections: [APP_A, APP_B] })
  })
  afterAll(async () => {
    await t.close()
    await sim.close()
  })

  it('still answers 502 wechat_misconfigured with an error log (stable_token 40013)', async () => {
    const res = await t.request('POST', '/v1/connections/mall/phone', { phoneCode: 'e'.repeat(64) })
    expect(res.status).toBe(502)
    expect(res.json.error.code).toBe('wechat_misconfigured')
    const logged = errorLines(t).map((line) => JSON.parse(line))
    expect(logged).toContainEqual(
      expect.objectContaining({ api: 'stable_token', errcode: 40013, connectionId: 'mall' }),
    )
  })
})
