// How failures are answered and logged: 401s name the Bearer scheme (RFC 6750), a WeChat timeout is one log
// line carrying its code, and an error's extra fields never replace its code or message.
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../service/errors'
import { errorResponse } from '../../service/http/errors'
import { createTestApp, type TestApp } from '../helpers/test-app'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(() => t.close())

describe('401 answers', () => {
  it('say invalid_token for an expired or forged token, so that clients refresh and retry', async () => {
    const login = await t.login('challenged')
    t.clock.advance(t.config.accessTokenTtlSeconds + 1)
    const expired = await t.request('GET', '/v1/me', undefined, t.bearer(login.json.accessToken))
    expect([expired.status, expired.json.error.code]).toEqual([401, 'token_expired'])
    expect(expired.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
    const forged = await t.request('GET', '/v1/me', undefined, t.bearer('not.a.jwt'))
    expect([forged.status, forged.json.error.code]).toEqual([401, 'token_invalid'])
    expect(forged.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
  })

  it('name only the scheme when no token was sent, or when a refresh cannot help', async () => {
    const missing = await t.request('GET', '/v1/me')
    expect([missing.status, missing.json.error.code]).toEqual([401, 'token_missing'])
    expect(missing.headers.get('www-authenticate')).toBe('Bearer')
    const login = await t.login('logged-out')
    const auth = t.bearer(login.json.accessToken)
    expect((await t.request('POST', '/v1/logout', undefined, auth)).status).toBe(204)
    const ended = await t.request('GET', '/v1/me', undefined, auth)
    expect([ended.status, ended.json.error.code]).toEqual([401, 'session_revoked'])
    expect(ended.headers.get('www-authenticate')).toBe('Bearer')
  })

  it('are not sent with answers that are not 401', async () => {
    const nowhere = await t.request('GET', '/nowhere')
    expect(nowhere.status).toBe(404)
    expect(nowhere.headers.get('www-authenticate')).toBeNull()
  })
})

describe('a WeChat timeout', () => {
  it('writes one log line: the request, with the code, the WeChat API and the reason', async () => {
    await t.simControl('/faults', { path: '/sns/jscode2session', times: 1, delayMs: 60_000 })
    const before = t.logs.length
    const res = await t.login('hanging')
    expect(res.json.error.code).toBe('wechat_unavailable')
    const lines = t.logs.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>)
    const id = res.headers.get('x-request-id')
    const mine = lines.filter((l) => l.requestId === id || l.msg !== 'request')
    expect(mine).toHaveLength(1)
    expect(mine[0]).toMatchObject({
      msg: 'request',
      level: 'warn',
      status: 503,
      code: 'wechat_unavailable',
      detail: { api: 'jscode2session', connectionId: 'shop', reason: expect.any(String) },
    })
  })
})

describe('the error body', () => {
  it('keeps its code and message whatever the details say', async () => {
    const app = new Hono()
      .get('/', () => {
        throw new AppError('invalid_request', 'The real message.', {
          details: { code: 'internal_error', message: 'spoofed', field: 'nickname' },
        })
      })
      .onError((err, c) => errorResponse(c, err))
    const res = await app.request('/')
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({
      error: { code: 'invalid_request', message: 'The real message.', field: 'nickname' },
    })
  })
})
