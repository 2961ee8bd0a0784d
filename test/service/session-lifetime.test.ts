// How long a session lives and how it renews: the reuse interval that forgives a lost refresh answer, the
// absolute lifetime no refresh extends, Authing's refreshToken only for Authing's sessions, and pruning.
import { eq } from 'drizzle-orm'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createLogger } from '../../service/log'
import { auditEvents, refreshTokens, sessions } from '../../service/db/schema'
import { pruneExpired, startPruning } from '../../service/maintenance'
import {
  APP_A,
  APP_B,
  APP_SOLO,
  createTestApp,
  type TestApp,
  usePostgres,
} from '../helpers/test-app'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp({
    connections: [
      { ...APP_A, openPlatform: 'dev-account' },
      { ...APP_B, openPlatform: 'dev-account' },
      { ...APP_SOLO, authingAppId: 'authing-solo' },
    ],
    env: { REFRESH_TOKEN_TTL: String(7 * 86400), SESSION_MAX_LIFETIME: String(10 * 86400) },
  })
})
afterAll(() => t.close())

const refresh = (refreshToken: string) => t.request('POST', '/v1/token', { refreshToken })

describe('the refresh reuse interval', () => {
  it('answers a retry of the just-rotated token with a valid pair, continuing one lineage', async () => {
    const login = await t.login('lost-answer')
    const lost = await refresh(login.json.refreshToken)
    expect(lost.status).toBe(200)
    t.clock.advance(3)
    const retry = await refresh(login.json.refreshToken)
    expect(retry.status).toBe(200)
    expect(retry.json.refreshToken).not.toBe(lost.json.refreshToken)
    const me = await t.request('GET', '/v1/me', undefined, t.bearer(retry.json.accessToken))
    expect(me.status).toBe(200)
    // The pair whose answer was lost was rotated by the retry: using it later is reuse.
    t.clock.advance(t.config.refreshReuseIntervalSeconds)
    expect((await refresh(retry.json.refreshToken)).status).toBe(200)
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.userId, login.json.user.id))
      .orderBy(auditEvents.id)
      .offset(2)
    expect(audit).toMatchObject({
      type: 'token.refreshed',
      detail: { withinReuseInterval: true },
    })
  })

  it('still revokes the session on reuse after the interval', async () => {
    const login = await t.login('late-reuse')
    const next = await refresh(login.json.refreshToken)
    t.clock.advance(t.config.refreshReuseIntervalSeconds)
    const reuse = await refresh(login.json.refreshToken)
    expect(reuse.json.error.code).toBe('refresh_token_reused')
    expect((await refresh(next.json.refreshToken)).json.error.code).toBe('session_revoked')
  })

  it('revokes within the interval once the next token was used: the old one then leaked', async () => {
    const login = await t.login('used-successor')
    const next = await refresh(login.json.refreshToken)
    expect((await refresh(next.json.refreshToken)).status).toBe(200)
    const reuse = await refresh(login.json.refreshToken)
    expect(reuse.json.error.code).toBe('refresh_token_reused')
  })
})

describe('the absolute session lifetime', () => {
  it('ends a session at SESSION_MAX_LIFETIME however often it is refreshed', async () => {
    const login = await t.login('daily-user')
    let token = login.json.refreshToken as string
    // A refresh every six days keeps a 7-day sliding session alive; the 10-day limit ends it.
    t.clock.advance(6 * 86400)
    const day6 = await refresh(token)
    expect(day6.status).toBe(200)
    token = day6.json.refreshToken
    const [row] = await t.db.select().from(sessions).where(eq(sessions.userId, login.json.user.id))
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(10 * 86400_000)
    t.clock.advance(4 * 86400)
    const day10 = await refresh(token)
    expect(day10.status).toBe(401)
    expect(day10.json.error.code).toBe('refresh_token_invalid')
    t.clock.advance(-10 * 86400)
  })
})

describe("Authing's refreshToken", () => {
  const renew = 'mutation { refreshToken { token iat exp } }'

  it('does not renew a native session: a leaked access token cannot keep itself alive', async () => {
    const native = await t.login('native-only')
    const res = await t.request(
      'POST',
      '/graphql/v2',
      { query: renew },
      t.bearer(native.json.accessToken),
    )
    expect(res.json.data?.refreshToken ?? null).toBeNull()
    expect(res.json.errors[0].message).toMatchObject({
      code: 401,
      data: { error: 'token_invalid' },
    })
  })

  it('renews a session that logged in through the Authing routes', async () => {
    const code = await t.mintCode('authing-user', 'solo')
    const app = { 'x-authing-app-id': 'authing-solo' }
    const auth = '/connections/social/wechat-miniprogram/auth'
    const login = await t.request('POST', auth, { code }, app)
    expect(login.json.code).toBe(200)
    const res = await t.request(
      'POST',
      '/graphql/v2',
      { query: renew },
      { ...t.bearer(login.json.data.token), ...app },
    )
    expect(res.json.data.refreshToken.token).toEqual(expect.any(String))
  })
})

describe('pruning', () => {
  it('deletes expired refresh tokens, sessions ended a week ago and audit events past retention', async () => {
    const login = await t.login('pruned')
    const userId = login.json.user.id
    const next = await refresh(login.json.refreshToken)
    await t.request('POST', '/v1/logout', undefined, t.bearer(next.json.accessToken))
    const live = await t.login('kept')
    const rows = async () => ({
      tokens: (await t.db.select().from(refreshTokens)).length,
      sessions: await t.db.select().from(sessions).where(eq(sessions.userId, userId)),
      audit: await t.db.select().from(auditEvents).where(eq(auditEvents.userId, userId)),
    })
    const before = await rows()
    expect(before.sessions).toHaveLength(1)
    expect(await pruneExpired(t.deps)).toEqual({
      refreshTokens: 0,
      sessions: 0,
      auditEvents: 0,
      legacyPhoneFailures: 0,
      webhookDeliveries: 0,
      wechatPushEvents: 0,
    })

    // Eight days on: the logged-out session ended over a week ago; the refresh tokens expired.
    t.clock.advance(8 * 86400)
    const pruned = await pruneExpired(t.deps)
    expect(pruned.sessions).toBeGreaterThanOrEqual(1)
    expect(pruned.refreshTokens).toBeGreaterThanOrEqual(2)
    const after = await rows()
    expect(after.sessions).toEqual([])
    expect(after.audit).toHaveLength(before.audit.length)
    // The other person's session ended a day ago, not a week: it stays for the admin API to show.
    const kept = await t.db.select().from(sessions).where(eq(sessions.userId, live.json.user.id))
    expect(kept).toHaveLength(1)

    // Past AUDIT_RETENTION_DAYS (365 by default), the audit trail goes too.
    t.clock.advance(366 * 86400)
    expect((await pruneExpired(t.deps)).auditEvents).toBeGreaterThanOrEqual(before.audit.length)
    expect((await rows()).audit).toEqual([])
    t.clock.advance(-374 * 86400)
  })

  // The interval is the service's own timer; on PostgreSQL, fake timers would also fire postgres.js's.
  it.skipIf(usePostgres())(
    'prunes every MAINTENANCE_INTERVAL: hourly by default, once a day where the database pauses',
    async () => {
      /** Lets I/O run (timers are fake) until `done()` or 5 real seconds have passed. */
      const settle = async (done: () => boolean) => {
        const deadline = performance.now() + 5000
        while (!done() && performance.now() < deadline)
          await new Promise((resolve) => setImmediate(resolve))
      }
      /** Rounds completed in one simulated day at `seconds` apart, counted from the service's own log. */
      const roundsInADay = async (seconds: number) => {
        let rounds = 0
        const logger = createLogger(
          'info',
          new Writable({
            write(chunk, _enc, done) {
              if (String(chunk).includes('pruned expired rows')) rounds++
              done()
            },
          }),
        )
        vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'] })
        try {
          const config = { ...t.deps.config, maintenanceIntervalSeconds: seconds }
          const pruning = startPruning({ ...t.deps, config, logger })
          for (let hour = 1; hour <= 24; hour++) {
            await vi.advanceTimersByTimeAsync(3600_000)
            // An hourly round's statements finish before the next hour's timer.
            if (seconds === 3600) await settle(() => rounds >= hour)
          }
          await settle(() => rounds >= 1)
          await pruning.stop()
        } finally {
          vi.useRealTimers()
        }
        return rounds
      }
      expect(await roundsInADay(86_400)).toBe(1)
      expect(await roundsInADay(3600)).toBe(24)
    },
  )
})
