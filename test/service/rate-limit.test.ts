// Rate limits on the login and phone routes (per client IP, an IPv6 client by its /64, and per connection),
// on token refresh and on GraphQL (per IP): 429 rate_limited with Retry-After, refilled as the (injected)
// clock moves, charged only for well-formed calls, with a bounded number of remembered keys.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { tokenBuckets } from '../../service/http/rate-limit'
import { createTestApp, type TestApp } from '../helpers/test-app'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp({
    env: {
      RATE_LIMIT_IP_PER_MINUTE: '3',
      RATE_LIMIT_CONNECTION_PER_MINUTE: '5',
      TRUST_CLOUDFRONT_VIEWER_ADDRESS: 'true',
    },
  })
})
afterAll(() => t.close())
// An hour later every bucket is full again: each test starts from a clean slate.
beforeEach(() => t.clock.advance(3600))

let nextUser = 0
/** A login from `ip` as CloudFront would forward it (viewer address and port). */
async function loginFrom(ip: string, connection = 'shop') {
  const code = await t.mintCode(`rl-${nextUser++}`, connection)
  return t.request(
    'POST',
    `/v1/connections/${connection}/login`,
    { code },
    {
      'cloudfront-viewer-address': `${ip}:46532`,
    },
  )
}

describe('per client IP', () => {
  it('refuses the 4th login from one IP in a minute with 429 rate_limited and Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await loginFrom('198.51.100.1')).status).toBe(200)
    const refused = await loginFrom('198.51.100.1')
    expect(refused.status).toBe(429)
    expect(refused.json.error.code).toBe('rate_limited')
    expect(refused.headers.get('retry-after')).toBe('20') // one token every 60 s / 3
    expect(refused.headers.get('x-request-id')).toBeTruthy()
  })

  it('rounds Retry-After up, so that a client waiting that long is served', async () => {
    for (let i = 0; i < 3; i++) await loginFrom('198.51.100.6')
    // 5.7 s later the next token is 14.3 s away: rounding down or to the nearest would say 14.
    t.clock.advance(5.7)
    const refused = await loginFrom('198.51.100.6')
    expect(refused.headers.get('retry-after')).toBe('15')
    t.clock.advance(Number(refused.headers.get('retry-after')))
    expect((await loginFrom('198.51.100.6')).status).toBe(200)
  })

  it('lets another IP log in while one is refused', async () => {
    for (let i = 0; i < 4; i++) await loginFrom('198.51.100.2')
    expect((await loginFrom('198.51.100.2')).status).toBe(429)
    expect((await loginFrom('2001:db8::7')).status).toBe(200)
  })

  it('refills: one login after Retry-After, all three after a minute', async () => {
    for (let i = 0; i < 3; i++) await loginFrom('198.51.100.3')
    expect((await loginFrom('198.51.100.3')).status).toBe(429)
    t.clock.advance(20)
    expect((await loginFrom('198.51.100.3')).status).toBe(200)
    expect((await loginFrom('198.51.100.3')).status).toBe(429)
    t.clock.advance(60)
    for (let i = 0; i < 3; i++) expect((await loginFrom('198.51.100.3')).status).toBe(200)
  })

  it('counts the phone and Authing routes together with the logins of the same IP', async () => {
    const viewer = { 'cloudfront-viewer-address': '198.51.100.4:1234' }
    const wellFormed = { code: 'c'.repeat(32), phoneCode: 'p'.repeat(64) }
    expect((await loginFrom('198.51.100.4')).status).toBe(200)
    // Both are served, so charged: WeChat refuses the made-up code; without x-authing-app-id the Authing
    // route finds no connection among several (in its HTTP 200 envelope).
    const phone = await t.request('POST', '/v1/connections/shop/phone', wellFormed, viewer)
    expect(phone.json.error.code).toBe('invalid_code')
    const authing = await t.request(
      'POST',
      '/connections/social/wechat-miniprogram/auth',
      { code: 'c'.repeat(32) },
      viewer,
    )
    expect(authing.status).toBe(200)
    expect(authing.json).toMatchObject({ code: 404, data: { error: 'connection_not_found' } })
    for (const path of ['/v1/connections/shop/login-by-phone', '/v1/me/phone']) {
      const refused = await t.request('POST', path, wellFormed, viewer)
      expect(refused.json.error.code).toBe('rate_limited')
    }
    // Authing's SDK reads errors from an HTTP 200 envelope; Retry-After is still sent.
    const again = await t.request('POST', '/connections/social/wechat-miniprogram/auth', {}, viewer)
    expect(again.json).toMatchObject({ code: 429, data: { error: 'rate_limited' } })
    expect(again.headers.get('retry-after')).toBe('20')
  })

  it('leaves the other routes alone', async () => {
    for (let i = 0; i < 4; i++) await loginFrom('198.51.100.5')
    const viewer = { 'cloudfront-viewer-address': '198.51.100.5:1234' }
    expect((await t.request('GET', '/healthz', undefined, viewer)).status).toBe(200)
    const refresh = await t.request('POST', '/v1/token', { refreshToken: 'x' }, viewer)
    expect(refresh.json.error.code).toBe('refresh_token_invalid')
  })

  it('counts every address of one IPv6 /64 in one bucket, and another /64 apart', async () => {
    expect((await loginFrom('2001:db8:7:1::1')).status).toBe(200)
    expect((await loginFrom('2001:db8:7:1:8a2e:370:7334:1')).status).toBe(200)
    expect((await loginFrom('2001:0db8:0007:0001:ffff:ffff:ffff:fffe')).status).toBe(200)
    const refused = await loginFrom('2001:db8:7:1:1234::42')
    expect(refused.json.error.code).toBe('rate_limited')
    expect((await loginFrom('2001:db8:7:2::1')).status).toBe(200)
  })
})

describe('junk', () => {
  const junk: [string, unknown][] = [
    ['not JSON', '{"code": '],
    ['no code', {}],
    ['a number', { code: 42 }],
    ['an unknown field', { code: 'x', extra: 1 }],
  ]

  it('is refused 400 without spending the connection bucket or the address bucket', async () => {
    for (let i = 0; i < 20; i++) {
      const [, body] = junk[i % junk.length]!
      const res = await t.request('POST', '/v1/connections/solo/login', body, {
        'cloudfront-viewer-address': '192.0.2.66:5000',
      })
      expect(res.status).toBe(400)
    }
    // A good user elsewhere, and one behind the attacker's own address (a shared NAT), still log in.
    expect((await loginFrom('203.0.113.7', 'solo')).status).toBe(200)
    expect((await loginFrom('192.0.2.66', 'solo')).status).toBe(200)
  })

  it('is refused cheaply with 429, before its body is read, once the address has spent its bucket', async () => {
    for (let i = 0; i < 3; i++) expect((await loginFrom('192.0.2.67')).status).toBe(200)
    const res = await t.request('POST', '/v1/connections/shop/login', '{"code": ', {
      'cloudfront-viewer-address': '192.0.2.67:5000',
    })
    expect(res.json.error.code).toBe('rate_limited')
  })
})

describe('token refresh and GraphQL', () => {
  let limited: TestApp
  beforeAll(async () => {
    limited = await createTestApp({
      env: {
        RATE_LIMIT_REFRESH_IP_PER_MINUTE: '2',
        RATE_LIMIT_GRAPHQL_IP_PER_MINUTE: '2',
        TRUST_CLOUDFRONT_VIEWER_ADDRESS: 'true',
      },
    })
  })
  afterAll(() => limited.close())
  const from = (ip: string) => ({ 'cloudfront-viewer-address': `${ip}:443` })

  it('limits POST /v1/token per address, counting only well-formed calls', async () => {
    const { refreshToken } = (await limited.login('refresher')).json
    expect((await limited.request('POST', '/v1/token', {}, from('198.51.100.9'))).status).toBe(400)
    const first = await limited.request('POST', '/v1/token', { refreshToken }, from('198.51.100.9'))
    expect(first.status).toBe(200)
    const guess = { refreshToken: 'g'.repeat(43) }
    const second = await limited.request('POST', '/v1/token', guess, from('198.51.100.9'))
    expect(second.json.error.code).toBe('refresh_token_invalid')
    const third = await limited.request(
      'POST',
      '/v1/token',
      { refreshToken: first.json.refreshToken },
      from('198.51.100.9'),
    )
    expect(third.status).toBe(429)
    expect(third.json.error).toMatchObject({ code: 'rate_limited', message: /token refresh/ })
    expect(third.headers.get('retry-after')).toBe('30')
    // Another address is not held back, and the token was not spent by the refusal.
    const elsewhere = await limited.request(
      'POST',
      '/v1/token',
      { refreshToken: first.json.refreshToken },
      from('198.51.100.10'),
    )
    expect(elsewhere.status).toBe(200)
  })

  it('limits POST /graphql/v2 per address, answering in its envelope', async () => {
    const query = { query: '{ checkLoginStatus(token: "x") { status } }' }
    for (let i = 0; i < 2; i++) {
      const ok = await limited.request('POST', '/graphql/v2', query, from('198.51.100.11'))
      expect(ok.json).toEqual({ data: { checkLoginStatus: { status: false } } })
    }
    const refused = await limited.request('POST', '/graphql/v2', query, from('198.51.100.11'))
    expect(refused.status).toBe(200)
    expect(refused.json.errors[0].message).toMatchObject({
      code: 429,
      data: { error: 'rate_limited' },
    })
    expect(refused.headers.get('retry-after')).toBe('30')
    const other = await limited.request('POST', '/graphql/v2', query, from('198.51.100.12'))
    expect(other.json.data.checkLoginStatus.status).toBe(false)
  })
})

describe('per connection', () => {
  it('refuses the 6th login to one connection from any IP, other connections unaffected', async () => {
    for (let i = 0; i < 5; i++) expect((await loginFrom(`203.0.113.${i}`, 'solo')).status).toBe(200)
    const refused = await loginFrom('203.0.113.99', 'solo')
    expect(refused.status).toBe(429)
    expect(refused.json.error.code).toBe('rate_limited')
    expect(refused.headers.get('retry-after')).toBe('12') // one token every 60 s / 5
    expect((await loginFrom('203.0.113.99', 'mall')).status).toBe(200)
  })

  it('does not count made-up connection names against any connection', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await t.request(
        'POST',
        '/v1/connections/made-up/login',
        { code: 'x' },
        {
          'cloudfront-viewer-address': `203.0.114.${i}:1`,
        },
      )
      expect(res.json.error.code).toBe('connection_not_found')
    }
    expect((await loginFrom('203.0.114.99', 'shop')).status).toBe(200)
  })
})

describe('the client IP', () => {
  // Started in a hook, not in the test: on a loaded machine starting an app is most of the test's time.
  let direct: TestApp
  beforeAll(async () => {
    direct = await createTestApp({ env: { RATE_LIMIT_IP_PER_MINUTE: '2' } })
  })
  afterAll(() => direct.close())

  it('ignores CloudFront-Viewer-Address unless TRUST_CLOUDFRONT_VIEWER_ADDRESS is set', async () => {
    const statuses = []
    for (let i = 0; i < 3; i++) {
      const code = await direct.mintCode(`forger-${i}`)
      const res = await direct.request(
        'POST',
        '/v1/connections/shop/login',
        { code },
        {
          'cloudfront-viewer-address': `192.0.2.${i}:443`,
        },
      )
      statuses.push(res.status)
    }
    expect(statuses).toEqual([200, 200, 429])
  })
})

describe('memory', () => {
  it('remembers a bounded number of keys, forgetting the least recently used first', () => {
    const buckets = tokenBuckets(1, 3)
    for (const key of ['a', 'b', 'c', 'd']) buckets.take(key, 0)
    expect(buckets.size).toBe(3)
    expect(buckets.wait('a', 0)).toBe(0) // forgotten: it starts full again
    for (const key of ['b', 'c', 'd']) expect(buckets.wait(key, 0)).toBe(60)
  })
})
