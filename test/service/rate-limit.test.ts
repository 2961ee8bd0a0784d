// Rate limits on the login and phone routes: per client IP and per connection, 429 rate_limited with
// Retry-After, refilled as the (injected) clock moves, with a bounded number of remembered keys.
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
    expect((await loginFrom('198.51.100.4')).status).toBe(200)
    const phone = await t.request('POST', '/v1/connections/shop/phone', {}, viewer)
    expect(phone.status).not.toBe(429)
    const authing = await t.request(
      'POST',
      '/connections/social/wechat-miniprogram/auth',
      {},
      viewer,
    )
    expect(authing.status).not.toBe(429)
    for (const path of ['/v1/connections/shop/login-by-phone', '/v1/me/phone']) {
      const refused = await t.request('POST', path, {}, viewer)
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
  it('ignores CloudFront-Viewer-Address unless TRUST_CLOUDFRONT_VIEWER_ADDRESS is set', async () => {
    const direct = await createTestApp({ env: { RATE_LIMIT_IP_PER_MINUTE: '2' } })
    try {
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
    } finally {
      await direct.close()
    }
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
