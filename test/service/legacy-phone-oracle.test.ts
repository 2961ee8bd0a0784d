// The CBC padding oracle of the legacy encryptedData form, replayed. The attacker owns a WeChat identity and
// its legitimately obtained encrypted phone data (AES-128-CBC under the session_key the service holds for
// that identity, as WeChat makes it) and sends mutated ciphertexts: if "bad padding" and "bad plaintext"
// answer differently, each request leaks whether a guess produced valid PKCS#7 padding, and ~10,000 of them
// forge phone data for a victim's number. Every rejection must answer alike, and the failures per identity
// are capped.
import { createCipheriv, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_A, APP_B, APP_SOLO, createTestApp, type TestApp } from '../helpers/test-app'

/** What an answer shows an attacker: everything but the request id. */
const seen = (res: { status: number; json: { error?: unknown } }) =>
  JSON.stringify([res.status, res.json.error])

async function sealedPhone(t: TestApp, user: string, phoneNumber: string) {
  return (await t.simControl('/encrypted-phone', { appId: APP_A.appId, user, phoneNumber })) as {
    encryptedData: string
    iv: string
  }
}

/** One guess: the last ciphertext block, with the byte before it (the "IV") set to `guess`. */
function mutation(sealed: { encryptedData: string; iv: string }, guess: number) {
  const data = Buffer.from(sealed.encryptedData, 'base64')
  const last = data.subarray(data.length - 16)
  const before = Buffer.from(data.subarray(data.length - 32, data.length - 16))
  before[15] = guess
  return { encryptedData: last.toString('base64'), iv: before.toString('base64') }
}

async function attempt(t: TestApp, user: string, body: Record<string, string>) {
  const code = await t.mintCode(user, 'shop')
  return t.request('POST', '/v1/connections/shop/login-by-phone', { code, ...body })
}

/** Legacy data the way WeChat makes it, with any plaintext: the test knows the session_key, as WeChat does. */
async function encryptFor(t: TestApp, user: string, plaintext: string | Buffer, pad = true) {
  const { sessionKey } = await t.simControl('/login-codes', { appId: APP_A.appId, user })
  const iv = randomBytes(16)
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), iv)
  cipher.setAutoPadding(pad)
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return { encryptedData: data.toString('base64'), iv: iv.toString('base64') }
}

const nowSeconds = (t: TestApp) => Math.floor(t.clock.now().getTime() / 1000)
const phoneJson = (appid: string, timestamp: number) =>
  JSON.stringify({
    phoneNumber: '13900139999',
    purePhoneNumber: '13900139999',
    countryCode: '86',
    watermark: { appid, timestamp },
  })

describe('the padding oracle, with the failure cap raised out of the way', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({
      env: { LEGACY_PHONE_FAILURES_PER_HOUR: '1000' },
      connections: [APP_A, APP_B, { ...APP_SOLO, legacyPhoneData: false }],
    })
  })
  afterAll(() => t.close())

  it('answers all 256 guesses of the last padding byte alike', async () => {
    const sealed = await sealedPhone(t, 'oracle-mallory', '13900139100')
    const answers = new Map<string, number[]>()
    for (let guess = 0; guess < 256; guess++) {
      const res = await attempt(t, 'oracle-mallory', mutation(sealed, guess))
      expect(res.status).toBe(400)
      const key = seen(res)
      answers.set(key, [...(answers.get(key) ?? []), guess])
    }
    // One answer for every guess: nothing tells the guesses with valid padding from the others.
    expect([...answers.keys()]).toHaveLength(1)
  }, 180_000) // 512 requests in sequence: a few seconds alone, longer on a loaded machine

  it('answers every kind of bad legacy data with one code and one message', async () => {
    const user = 'oracle-kinds'
    const now = nowSeconds(t)
    const bodies = {
      length: {
        encryptedData: randomBytes(20).toString('base64'),
        iv: randomBytes(16).toString('base64'),
      },
      shortIv: {
        encryptedData: randomBytes(32).toString('base64'),
        iv: randomBytes(8).toString('base64'),
      },
      padding: await encryptFor(t, user, Buffer.alloc(32, 0x41), false),
      json: await encryptFor(t, user, 'not json at all'),
      appid: await encryptFor(t, user, phoneJson(APP_B.appId, now)),
      stale: await encryptFor(t, user, phoneJson(APP_A.appId, now - 3600)),
      noPhone: await encryptFor(
        t,
        user,
        JSON.stringify({ watermark: { appid: APP_A.appId, timestamp: now } }),
      ),
    }
    const answers = new Set<string>()
    for (const [kind, body] of Object.entries(bodies)) {
      const res = await attempt(t, user, body)
      expect(res.status, kind).toBe(400)
      expect(res.json.error.code, kind).toBe('invalid_encrypted_data')
      answers.add(seen(res))
    }
    expect([...answers]).toHaveLength(1)
  })
})

describe('the legacy form elsewhere', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({
      env: { LEGACY_PHONE_FAILURES_PER_HOUR: '1000' },
      connections: [
        { ...APP_A, authingAppId: 'authing-shop' },
        { ...APP_SOLO, legacyPhoneData: false },
      ],
    })
  })
  afterAll(() => t.close())

  it('answers the Authing routes with the same code and message as the native ones', async () => {
    const sealed = await sealedPhone(t, 'elsewhere-eve', '13900139400')
    const native = await attempt(t, 'elsewhere-eve', mutation(sealed, 0))
    for (const path of ['auth-by-phone', 'getphone']) {
      for (const guess of [0, 1, 2, 3]) {
        const code = await t.mintCode('elsewhere-eve', 'shop')
        const res = await t.request(
          'POST',
          `/connections/social/wechat-miniprogram/${path}`,
          { code, ...mutation(sealed, guess) },
          { 'x-authing-app-id': 'authing-shop' },
        )
        expect([res.json.code, res.json.message, res.json.data.error], path).toEqual([
          400,
          native.json.error.message,
          'invalid_encrypted_data',
        ])
      }
    }
  })

  it('refuses data whose tap is more than 5 minutes old by the service clock', async () => {
    const sealed = await sealedPhone(t, 'elsewhere-sam', '13900139401')
    // WeChat's clock (the simulator's) stamped the tap at or before this; the service's clock moves past it.
    const { now: tappedBy } = (await (await fetch(`${t.sim.url}/__sim/clock`)).json()) as {
      now: number
    }
    const before = t.clock.now()
    t.clock.current = new Date(tappedBy + 301_000)
    const res = await attempt(t, 'elsewhere-sam', sealed)
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_encrypted_data')
    t.clock.current = before
    const fresh = await attempt(
      t,
      'elsewhere-sam',
      await sealedPhone(t, 'elsewhere-sam', '13900139401'),
    )
    expect(fresh.status).toBe(200)
  })

  it('refuses the legacy form on a connection with "legacyPhoneData": false, spending no code', async () => {
    const sealed = (await t.simControl('/encrypted-phone', {
      appId: APP_SOLO.appId,
      user: 'elsewhere-kim',
      phoneNumber: '13900139402',
    })) as Record<string, string>
    const code = await t.mintCode('elsewhere-kim', 'solo')
    const stats = async () =>
      (
        (await (await fetch(`${t.sim.url}/__sim/stats`)).json()) as {
          calls: Record<string, number>
        }
      ).calls['/sns/jscode2session']
    const before = await stats()
    for (const path of ['login-by-phone', 'phone']) {
      const res = await t.request('POST', `/v1/connections/solo/${path}`, { code, ...sealed })
      expect(res.status).toBe(400)
      expect(res.json.error.code).toBe('legacy_phone_data_disabled')
    }
    expect(await stats()).toBe(before)
    // The code is still good for a login by code.
    const login = await t.request('POST', '/v1/connections/solo/login', { code })
    expect(login.status).toBe(200)
  })
})

describe('the failure cap per WeChat identity (default: 5 an hour)', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp()
  })
  afterAll(() => t.close())

  it('refuses an identity past 5 failures, even with good data, until the hour has passed', async () => {
    const sealed = await sealedPhone(t, 'cap-mallory', '13900139200')
    for (let guess = 0; guess < 5; guess++) {
      const res = await attempt(t, 'cap-mallory', mutation(sealed, guess))
      expect(res.json.error.code).toBe('invalid_encrypted_data')
    }
    const refused = await attempt(t, 'cap-mallory', mutation(sealed, 5))
    expect(refused.status).toBe(429)
    expect(refused.json.error.code).toBe('rate_limited')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    // Good data is refused too: an answer that depended on the ciphertext would be an oracle again.
    const good = await attempt(t, 'cap-mallory', await sealedPhone(t, 'cap-mallory', '13900139200'))
    expect(good.status).toBe(429)
    // Another identity is not affected.
    const other = await attempt(t, 'cap-ann', await sealedPhone(t, 'cap-ann', '13900139201'))
    expect(other.status).toBe(200)

    // An hour later (both clocks: WeChat's watermark and the service's check move together).
    t.clock.advance(3601)
    await t.simControl('/clock', { advanceMs: 3_601_000 })
    const later = await attempt(
      t,
      'cap-mallory',
      await sealedPhone(t, 'cap-mallory', '13900139200'),
    )
    expect(later.status).toBe(200)
    expect(later.json.user.phone).toBe('+8613900139200')
  })

  it('does not count successes against the cap', async () => {
    for (let i = 0; i < 7; i++) {
      const res = await attempt(t, 'cap-bob', await sealedPhone(t, 'cap-bob', '13900139300'))
      expect(res.status).toBe(200)
    }
  })
})
