// QR login over HTTP against the simulator: every state (pending, scanned, confirmed once, cancelled,
// expired), every refusal (reused, foreign, wrong poll token, too fast, second scanner, no session), CORS,
// the creation rate limit, and WeChat's failures.
import { and, eq } from 'drizzle-orm'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditEvents, qrLogins } from '../../service/db/schema'
import { APP_A, APP_B, APP_SOLO, createTestApp, type TestApp } from '../helpers/test-app'

const PAGE = 'pages/qr-login/index'
const SHOP_WEB = 'https://admin.shop.example'
const MALL_WEB = 'https://mall.example'

const connections = [
  { ...APP_A, qrLoginPage: PAGE, webOrigins: [SHOP_WEB], pages: [PAGE] },
  { ...APP_B, qrLoginPage: PAGE, qrLoginEnvVersion: 'develop' as const, webOrigins: [MALL_WEB] },
  APP_SOLO,
]

let t: TestApp
beforeAll(async () => {
  t = await createTestApp({ connections })
})
afterAll(() => t.close())

async function start(connection = 'shop', headers: Record<string, string> = {}) {
  const res = await t.request('POST', `/v1/connections/${connection}/qr-logins`, undefined, headers)
  expect(res.status, res.text).toBe(201)
  return res.json as {
    id: string
    image: string
    expiresIn: number
    interval: number
    pollToken: string
  }
}

/** A poll a full interval after the previous one, as the widget does. */
async function poll(
  login: { id: string; pollToken: string },
  headers: Record<string, string> = {},
) {
  t.clock.advance(2)
  return t.request('GET', `/v1/qr-logins/${login.id}`, undefined, {
    ...t.bearer(login.pollToken),
    ...headers,
  })
}

async function userToken(user: string, connection = 'shop') {
  const res = await t.login(user, connection)
  expect(res.status).toBe(200)
  return res.json as { accessToken: string; user: { id: string } }
}

/** What the simulator drew: the scene, page and version of each Mini Program code. */
async function wxaCodes(appId: string) {
  const res = await fetch(`${t.sim.url}/__sim/wxa-codes?appId=${appId}`)
  return (await res.json()) as { codes: Record<string, unknown>[] }
}

const act = (id: string, step: string, token?: string) =>
  t.request('POST', `/v1/qr-logins/${id}/${step}`, undefined, token ? t.bearer(token) : {})

describe('a QR login', () => {
  it('goes pending → scanned → confirmed and hands the tokens to the poller exactly once', async () => {
    const login = await start()
    expect(login.id).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(login).toMatchObject({ expiresIn: 120, interval: 2 })
    expect(login.image).toMatch(/^data:image\/png;base64,/)
    const drawn = await wxaCodes(APP_A.appId)
    expect(drawn.codes.at(-1)).toMatchObject({
      scene: login.id,
      page: PAGE,
      envVersion: 'release',
      checkPath: true,
    })

    expect((await poll(login)).json).toEqual({ status: 'pending', expiresIn: 118 })
    const amy = await userToken('qr-amy')
    await t.request('PATCH', '/v1/me', { nickname: 'Amy' }, t.bearer(amy.accessToken))
    const scan = await act(login.id, 'scan', amy.accessToken)
    expect(scan.status).toBe(200)
    expect(scan.json).toMatchObject({
      id: login.id,
      connection: { id: 'shop', displayName: 'shop' },
      ip: '127.0.0.1',
    })
    expect((await poll(login)).json).toEqual({
      status: 'scanned',
      expiresIn: 116,
      scanner: { nickname: 'Amy', avatar: null },
    })
    expect((await act(login.id, 'confirm', amy.accessToken)).status).toBe(204)

    const done = await poll(login)
    expect(done.status).toBe(200)
    expect(done.json).toMatchObject({ status: 'confirmed', tokenType: 'Bearer', expiresIn: 3600 })
    expect(done.json.user.id).toBe(amy.user.id)
    const again = await poll(login)
    expect([again.status, again.json.error.code]).toEqual([409, 'qr_login_used'])

    // The web's tokens say so, work like any session's, and keep saying so after a refresh.
    expect(decodeJwt(done.json.accessToken)).toMatchObject({ client: 'web', azp: 'shop' })
    expect(decodeJwt(amy.accessToken).client).toBeUndefined()
    const me = await t.request('GET', '/v1/me', undefined, t.bearer(done.json.accessToken))
    expect(me.json.user.id).toBe(amy.user.id)
    const refreshed = await t.request('POST', '/v1/token', { refreshToken: done.json.refreshToken })
    expect(decodeJwt(refreshed.json.accessToken)).toMatchObject({ client: 'web' })

    const types = (
      await t.db
        .select({ type: auditEvents.type, detail: auditEvents.detail })
        .from(auditEvents)
        .where(eq(auditEvents.userId, amy.user.id))
    ).map((e) => e.type)
    expect(types).toEqual(expect.arrayContaining(['qr_login.scanned', 'qr_login.confirmed']))
    const [succeeded] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.type, 'login.succeeded'), eq(auditEvents.userId, amy.user.id)))
      .orderBy(auditEvents.id)
      .offset(1)
    expect(succeeded?.detail).toMatchObject({ method: 'qr', qrLoginId: login.id, client: 'web' })
    const [row] = await t.db.select().from(qrLogins).where(eq(qrLogins.id, login.id))
    expect(row?.pollTokenHash).not.toContain(login.pollToken)
    expect(JSON.stringify(row)).not.toContain(login.pollToken)
  })

  it('is cancelled by the person who scanned it, and cannot be confirmed afterwards', async () => {
    const login = await start()
    const ben = await userToken('qr-ben')
    expect((await act(login.id, 'scan', ben.accessToken)).status).toBe(200)
    expect((await act(login.id, 'cancel', ben.accessToken)).status).toBe(204)
    expect((await act(login.id, 'cancel', ben.accessToken)).status).toBe(204)
    expect((await poll(login)).json).toEqual({ status: 'cancelled' })
    const confirm = await act(login.id, 'confirm', ben.accessToken)
    expect([confirm.status, confirm.json.error.code]).toEqual([409, 'qr_login_cancelled'])
  })

  it('expires after the configured lifetime: the poller sees expired, the scanner qr_login_expired', async () => {
    const login = await start()
    const cat = await userToken('qr-cat')
    t.clock.advance(120)
    expect((await poll(login)).json).toEqual({ status: 'expired' })
    const scan = await act(login.id, 'scan', cat.accessToken)
    expect([scan.status, scan.json.error.code]).toEqual([410, 'qr_login_expired'])
  })

  it('gives a confirmed login a fresh window to be collected, however late it was confirmed', async () => {
    const login = await start()
    const dan = await userToken('qr-dan')
    await act(login.id, 'scan', dan.accessToken)
    t.clock.advance(110)
    expect((await act(login.id, 'confirm', dan.accessToken)).status).toBe(204)
    t.clock.advance(20)
    expect((await poll(login)).json.status).toBe('confirmed')
  })
})

describe('a QR login refuses', () => {
  it('a second person scanning, confirming or cancelling (qr_login_taken)', async () => {
    const login = await start()
    const first = await userToken('qr-eve')
    const second = await userToken('qr-fay')
    await act(login.id, 'scan', first.accessToken)
    for (const step of ['scan', 'confirm', 'cancel']) {
      const res = await act(login.id, step, second.accessToken)
      expect([step, res.status, res.json.error.code]).toEqual([step, 409, 'qr_login_taken'])
    }
    const [refused] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.type, 'qr_login.refused'), eq(auditEvents.userId, second.user.id)))
    expect(refused?.detail).toMatchObject({ step: 'scan', code: 'qr_login_taken' })
  })

  it('all but one of several people scanning at the same moment', async () => {
    const login = await start()
    const people = await Promise.all(['qr-lea', 'qr-max', 'qr-ned'].map((u) => userToken(u)))
    const answers = await Promise.all(people.map((p) => act(login.id, 'scan', p.accessToken)))
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409])
    const [row] = await t.db.select().from(qrLogins).where(eq(qrLogins.id, login.id))
    const winner = people[answers.findIndex((a) => a.status === 200)]!
    expect(row?.scannedBy).toBe(winner.user.id)
  })

  it('confirming before scanning (qr_login_not_scanned)', async () => {
    const login = await start()
    const gus = await userToken('qr-gus')
    const res = await act(login.id, 'confirm', gus.accessToken)
    expect([res.status, res.json.error.code]).toEqual([409, 'qr_login_not_scanned'])
  })

  it('a scanner without a session, or with a broken token', async () => {
    const login = await start()
    const none = await act(login.id, 'scan')
    expect([none.status, none.json.error.code]).toEqual([401, 'token_missing'])
    const bad = await act(login.id, 'scan', 'not-a-token')
    expect([bad.status, bad.json.error.code]).toEqual([401, 'token_invalid'])
  })

  it("a user of another connection's Mini Program, and the web's own session (qr_login_foreign)", async () => {
    const login = await start()
    const other = await userToken('qr-hal', 'mall')
    const res = await act(login.id, 'scan', other.accessToken)
    expect([res.status, res.json.error.code]).toEqual([403, 'qr_login_foreign'])

    // A browser session a QR login created cannot approve the next browser.
    const first = await start()
    const ivy = await userToken('qr-ivy')
    await act(first.id, 'scan', ivy.accessToken)
    await act(first.id, 'confirm', ivy.accessToken)
    const web = (await poll(first)).json.accessToken as string
    const chained = await act(login.id, 'scan', web)
    expect([chained.status, chained.json.error.code]).toEqual([403, 'qr_login_foreign'])
  })

  it('a reused id: every step after the login was collected answers qr_login_used', async () => {
    const login = await start()
    const jon = await userToken('qr-jon')
    await act(login.id, 'scan', jon.accessToken)
    await act(login.id, 'confirm', jon.accessToken)
    expect((await poll(login)).json.status).toBe('confirmed')
    for (const step of ['scan', 'confirm', 'cancel']) {
      const res = await act(login.id, step, jon.accessToken)
      expect([step, res.status, res.json.error.code]).toEqual([step, 409, 'qr_login_used'])
    }
  })

  it('an unknown or malformed id (qr_login_not_found), for the poller and the scanner', async () => {
    const kim = await userToken('qr-kim')
    for (const id of ['A'.repeat(32), 'short', '%00'.repeat(11)]) {
      const res = await act(id, 'scan', kim.accessToken)
      expect([id, res.status, res.json.error.code]).toEqual([id, 404, 'qr_login_not_found'])
      const polled = await poll({ id, pollToken: 'x' })
      expect([id, polled.status, polled.json.error.code]).toEqual([id, 404, 'qr_login_not_found'])
    }
  })

  it("a wrong poll token, another login's among them (poll_token_invalid), and none", async () => {
    const login = await start()
    const other = await start()
    for (const pollToken of ['wrong', other.pollToken, 'x'.repeat(300)]) {
      const res = await poll({ id: login.id, pollToken })
      expect([res.status, res.json.error.code]).toEqual([401, 'poll_token_invalid'])
    }
    const none = await t.request('GET', `/v1/qr-logins/${login.id}`)
    expect([none.status, none.json.error.code]).toEqual([401, 'token_missing'])
  })

  it('polling faster than the interval (slow_down, with Retry-After)', async () => {
    const login = await start()
    expect((await poll(login)).status).toBe(200)
    t.clock.advance(1)
    const fast = await t.request(
      'GET',
      `/v1/qr-logins/${login.id}`,
      undefined,
      t.bearer(login.pollToken),
    )
    expect([fast.status, fast.json.error.code, fast.json.error.interval]).toEqual([
      429,
      'slow_down',
      2,
    ])
    expect(fast.headers.get('retry-after')).toBe('1')
    t.clock.advance(1)
    const ok = await t.request(
      'GET',
      `/v1/qr-logins/${login.id}`,
      undefined,
      t.bearer(login.pollToken),
    )
    expect(ok.json.status).toBe('pending')
  })

  it('creation on a connection without qrLoginPage (qr_login_disabled) or an unknown one', async () => {
    const off = await t.request('POST', '/v1/connections/solo/qr-logins')
    expect([off.status, off.json.error.code]).toEqual([403, 'qr_login_disabled'])
    const unknown = await t.request('POST', '/v1/connections/nope/qr-logins')
    expect([unknown.status, unknown.json.error.code]).toEqual([404, 'connection_not_found'])
    const junk = await t.request('POST', '/v1/connections/shop/qr-logins', { page: 'x' })
    expect([junk.status, junk.json.error.code]).toEqual([400, 'invalid_request'])
  })
})

describe('CORS for the web page', () => {
  it("answers the connection's webOrigins, preflight included, and refuses any other origin", async () => {
    const pre = await t.request('OPTIONS', '/v1/connections/shop/qr-logins', undefined, {
      origin: SHOP_WEB,
      'access-control-request-method': 'POST',
    })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe(SHOP_WEB)
    const login = await start('shop', { origin: SHOP_WEB })
    const polled = await poll(login, { origin: SHOP_WEB })
    expect(polled.headers.get('access-control-allow-origin')).toBe(SHOP_WEB)
    expect(polled.headers.get('access-control-expose-headers')).toContain('Retry-After')

    for (const [method, path, origin] of [
      ['OPTIONS', '/v1/connections/shop/qr-logins', 'https://evil.example'],
      ['POST', '/v1/connections/shop/qr-logins', 'https://evil.example'],
      ['POST', '/v1/connections/shop/qr-logins', MALL_WEB],
      ['GET', `/v1/qr-logins/${login.id}`, 'https://evil.example'],
      // Another connection's web origin may not poll this one's login.
      ['GET', `/v1/qr-logins/${login.id}`, MALL_WEB],
    ] as const) {
      t.clock.advance(2)
      const res = await t.request(method, path, undefined, { origin, ...t.bearer(login.pollToken) })
      expect([method, origin, res.status, res.json?.error.code]).toEqual([
        method,
        origin,
        403,
        'origin_not_allowed',
      ])
      // Refused before the route unless the origin is some connection's: then the page may read why.
      if (origin !== MALL_WEB || method !== 'GET')
        expect(res.headers.get('access-control-allow-origin')).toBeNull()
    }
  })
})

describe('creating QR logins', () => {
  // Started in a hook, not in the test: on a loaded machine starting an app is most of a test's 30 s.
  let limited: TestApp
  beforeAll(async () => {
    limited = await createTestApp({
      connections,
      env: { RATE_LIMIT_IP_PER_MINUTE: '2' },
    })
  })
  afterAll(() => limited.close())

  it('is rate limited per IP, and preflights spend nothing', async () => {
    const headers = { origin: SHOP_WEB }
    for (let i = 0; i < 5; i++) {
      const pre = await limited.request('OPTIONS', '/v1/connections/shop/qr-logins', undefined, {
        ...headers,
        'access-control-request-method': 'POST',
      })
      expect(pre.status).toBe(204)
    }
    for (let i = 0; i < 2; i++)
      expect(
        (await limited.request('POST', '/v1/connections/shop/qr-logins', undefined, headers))
          .status,
      ).toBe(201)
    const third = await limited.request(
      'POST',
      '/v1/connections/shop/qr-logins',
      undefined,
      headers,
    )
    expect([third.status, third.json.error.code]).toEqual([429, 'rate_limited'])
    expect(third.headers.get('retry-after')).toBeTruthy()
    expect(third.headers.get('access-control-allow-origin')).toBe(SHOP_WEB)
  })
})

describe('WeChat failing while a QR login is created', () => {
  const rows = async () => (await t.db.select({ id: qrLogins.id }).from(qrLogins)).length

  it('41030 (the page is not published) is wechat_misconfigured, and no login is written', async () => {
    const before = await rows()
    await t.simControl('/faults', { path: '/wxa/getwxacodeunlimit', errcode: 41030, times: 1 })
    const res = await t.request('POST', '/v1/connections/shop/qr-logins')
    expect([res.status, res.json.error.code]).toEqual([502, 'wechat_misconfigured'])
    expect(await rows()).toBe(before)
  })

  it('41030 from the simulator itself when the page is not in the published version', async () => {
    // The app's published version lacks the page: re-register it so.
    const app = { appId: APP_A.appId, secret: APP_A.appSecret, openPlatform: 'dev-account' }
    await t.simControl('/apps', { ...app, pages: ['pages/index/index'] })
    try {
      const res = await t.request('POST', '/v1/connections/shop/qr-logins')
      expect([res.status, res.json.error.code]).toEqual([502, 'wechat_misconfigured'])
      expect(t.logs.join('')).toContain('"errcode":41030')
    } finally {
      await t.simControl('/apps', { ...app, pages: [PAGE] })
    }
  })

  it('draws the develop version without checking the page (check_path false)', async () => {
    const login = await start('mall')
    const drawn = await wxaCodes(APP_B.appId)
    expect(drawn.codes.at(-1)).toMatchObject({
      scene: login.id,
      envVersion: 'develop',
      checkPath: false,
    })
  })

  it('40001 (a rejected access token) forces one refresh and then succeeds', async () => {
    await start() // the token is cached
    await t.simControl('/access-tokens/invalidate', { appId: APP_A.appId })
    const res = await t.request('POST', '/v1/connections/shop/qr-logins')
    expect(res.status).toBe(201)
  })

  it('answers 503 wechat_unavailable promptly when WeChat hangs or is down', async () => {
    await t.simControl('/faults', { path: '/wxa/getwxacodeunlimit', delayMs: 60_000, times: 1 })
    const started = Date.now()
    const hung = await t.request('POST', '/v1/connections/shop/qr-logins')
    expect([hung.status, hung.json.error.code]).toEqual([503, 'wechat_unavailable'])
    // WECHAT_TIMEOUT_MS is 5 s in tests; the fault would hold the call a minute.
    expect(Date.now() - started).toBeLessThan(30_000)
    await t.simControl('/faults', { path: '/wxa/getwxacodeunlimit', status: 502, times: 1 })
    const down = await t.request('POST', '/v1/connections/shop/qr-logins')
    expect([down.status, down.json.error.code]).toEqual([503, 'wechat_unavailable'])
    expect(down.headers.get('retry-after')).toBe('1')
  })

  it('answers 429 wechat_rate_limited on 45009', async () => {
    await t.simControl('/faults', { path: '/wxa/getwxacodeunlimit', errcode: 45009, times: 1 })
    const res = await t.request('POST', '/v1/connections/shop/qr-logins')
    expect([res.status, res.json.error.code]).toEqual([429, 'wechat_rate_limited'])
  })
})
