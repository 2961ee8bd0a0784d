// Where the client IP comes from: only the hop the deployment controls is believed. Behind the China shape's
// load balancer that is the X-Forwarded-For entry it appended; anything a caller writes to the left of it,
// or in a header the deployment does not use, is ignored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/test-app'

const ADMIN_KEY = 'admin-key-for-client-address-tests'
let behindAlb: TestApp
let direct: TestApp
beforeAll(async () => {
  const env = { ADMIN_API_KEY: ADMIN_KEY }
  ;[behindAlb, direct] = await Promise.all([
    createTestApp({ env: { ...env, CLIENT_ADDRESS_HEADER: 'x-forwarded-for' } }),
    createTestApp({ env }),
  ])
})
afterAll(() => Promise.all([behindAlb?.close(), direct?.close()]))

let n = 0
/** Logs a new user in with these headers and returns the address its session recorded. */
async function recordedIp(t: TestApp, headers: Record<string, string>): Promise<string> {
  const code = await t.mintCode(`addr-${n++}`)
  const login = await t.request('POST', '/v1/connections/shop/login', { code }, headers)
  expect(login.status).toBe(200)
  const read = await t.request('GET', `/v1/admin/users/${login.json.user.id}`, undefined, {
    authorization: `Bearer ${ADMIN_KEY}`,
  })
  return read.json.user.sessions[0].ip
}

describe('behind a load balancer that appends X-Forwarded-For (CLIENT_ADDRESS_HEADER=x-forwarded-for)', () => {
  it('records the entry the load balancer appended', async () => {
    expect(await recordedIp(behindAlb, { 'x-forwarded-for': '198.51.100.7' })).toBe('198.51.100.7')
    expect(await recordedIp(behindAlb, { 'x-forwarded-for': '2001:db8::9' })).toBe('2001:db8::9')
  })

  it('ignores the addresses a caller wrote before it, in one header or in several', async () => {
    const spoofed = { 'x-forwarded-for': '203.0.113.66, 10.0.0.1, 198.51.100.8' }
    expect(await recordedIp(behindAlb, spoofed)).toBe('198.51.100.8')
    const res = await fetch(`${behindAlb.url}/v1/connections/shop/login`, {
      method: 'POST',
      headers: [
        ['content-type', 'application/json'],
        ['x-forwarded-for', '203.0.113.66'],
        ['x-forwarded-for', '198.51.100.9'],
      ],
      body: JSON.stringify({ code: await behindAlb.mintCode(`addr-${n++}`) }),
    })
    const { user } = (await res.json()) as { user: { id: string } }
    const read = await behindAlb.request('GET', `/v1/admin/users/${user.id}`, undefined, {
      authorization: `Bearer ${ADMIN_KEY}`,
    })
    expect(read.json.user.sessions[0].ip).toBe('198.51.100.9')
  })

  it('does not believe CloudFront-Viewer-Address, which no proxy of this deployment sets', async () => {
    const forged = { 'cloudfront-viewer-address': '203.0.113.77:443' }
    expect(await recordedIp(behindAlb, forged)).toBe('127.0.0.1')
  })

  it('falls back to the TCP peer when the entry is missing or not an address', async () => {
    expect(await recordedIp(behindAlb, {})).toBe('127.0.0.1')
    expect(await recordedIp(behindAlb, { 'x-forwarded-for': 'unknown' })).toBe('127.0.0.1')
  })
})

describe('reached directly (no CLIENT_ADDRESS_HEADER)', () => {
  it('believes neither header and records the TCP peer', async () => {
    expect(
      await recordedIp(direct, {
        'x-forwarded-for': '203.0.113.66',
        'cloudfront-viewer-address': '203.0.113.77:443',
      }),
    ).toBe('127.0.0.1')
  })
})
