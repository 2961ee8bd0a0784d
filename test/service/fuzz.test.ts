// Property-based bad input against every route: random JSON, wrong types, huge and odd Unicode strings,
// garbage bodies and forged tokens never get a 5xx, and every native error carries a stable code.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/test-app'

const ADMIN_KEY = 'admin-key-for-the-fuzz-suite-0123456789'

let t: TestApp
let token: string
beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_API_KEY: ADMIN_KEY } })
  token = (await t.login('fuzzer')).json.accessToken
})
afterAll(() => t.close())

const routes: [method: string, path: string][] = [
  ['POST', '/v1/connections/:c/login'],
  ['POST', '/v1/connections/:c/login-by-phone'],
  ['POST', '/v1/connections/:c/phone'],
  ['POST', '/v1/token'],
  ['POST', '/v1/logout'],
  ['GET', '/v1/me'],
  ['PATCH', '/v1/me'],
  ['POST', '/v1/me'],
  ['POST', '/v1/me/phone'],
  ['GET', '/v1/admin/users'],
  ['GET', '/v1/admin/users/:c'],
  ['PATCH', '/v1/admin/users/:c'],
  ['GET', '/v1/admin/audit-events'],
  ['GET', '/v1/admin/connections/:c/wechat-access-token'],
  ['POST', '/connections/social/wechat-miniprogram/auth'],
  ['POST', '/connections/social/wechat-miniprogram/auth-by-phone'],
  ['POST', '/connections/social/wechat-miniprogram/getphone'],
  ['POST', '/graphql/v2'],
  ['GET', '/api/v2/logout'],
  ['GET', '/.well-known/jwks.json'],
]

const fields = ['code', 'phoneCode', 'encryptedData', 'iv', 'refreshToken', 'nickname', 'avatar']
const oddText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 64 }),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constantFrom(
    '\u0000',
    '\ud800',
    '🧧'.repeat(500),
    'a'.repeat(15_000),
    '%00',
    '../../etc/passwd',
  ),
)
const value = fc.oneof(fc.jsonValue(), oddText, fc.constant(null))
const body = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record(
      Object.fromEntries(
        [...fields, 'gender', 'status', 'connection', 'query', 'variables'].map((k) => [k, value]),
      ),
      {
        requiredKeys: [],
      },
    )
    .map((v) => JSON.stringify(v)),
  oddText,
  fc.constant(undefined),
)
const b64 = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_'.split('')), maxLength: 40 })
const forged = fc.oneof(
  fc.tuple(b64, b64, b64).map((parts) => parts.join('.')),
  fc.constant(
    `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`,
  ),
  oddText,
)
const authorization = fc.oneof(
  fc.constant(undefined),
  fc.constant('real'),
  fc.constant('admin'),
  forged.map((f) => `Bearer ${f}`),
  oddText,
)
const segment = fc
  .oneof(fc.constantFrom('shop', 'nope'), oddText)
  .map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?')).slice(0, 200) || 'x')

describe('property: bad input never gets a 5xx', () => {
  it.each(routes)('%s %s', async (method, path) => {
    await fc.assert(
      fc.asyncProperty(segment, body, authorization, fc.boolean(), async (c, raw, auth, json) => {
        const headers: Record<string, string> = {}
        if (json) headers['content-type'] = 'application/json'
        if (auth === 'real') headers.authorization = `Bearer ${token}`
        else if (auth === 'admin') headers.authorization = `Bearer ${ADMIN_KEY}`
        else if (auth !== undefined) headers.authorization = auth.replace(/[^\x20-\x7e]/g, '?')
        const res = await fetch(t.url + path.replace(':c', c), {
          method,
          headers,
          body: method === 'GET' || raw === undefined ? undefined : raw,
        })
        const text = await res.text()
        expect(res.status, `${method} ${path} → ${res.status} ${text.slice(0, 200)}`).toBeLessThan(
          500,
        )
        if (res.status >= 400) expect(JSON.parse(text).error.code).toMatch(/^[a-z_]+$/)
      }),
      // A fixed seed keeps CI reproducible; FUZZ_SEED=<n> explores others.
      { numRuns: 40, seed: Number(process.env.FUZZ_SEED ?? 20261126) },
    )
  })
})
