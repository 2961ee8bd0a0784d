// The lock order of service/db/locks.ts, shown on PostgreSQL: code logins (in two apps of one developer
// account), phone logins, WeChat's pushes (withdrawing the phone, cancelling the account) and deletions of
// the same person, interleaved hundreds of times, never deadlock (PGlite runs one statement at a time, so
// only PostgreSQL can show it).
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  APP_A,
  APP_B,
  APP_SOLO,
  createTestApp,
  usePostgres,
  type TestApp,
} from '../helpers/test-app'

const people = 200
const atOnce = 10
const adminKey = 'admin-key-for-the-lock-order-test-01'
const pushToken = 'lockOrderPushToken'

describe.runIf(usePostgres())('the lock order of account writers', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({
      connections: [
        { ...APP_A, openPlatform: 'dev-account', pushToken },
        { ...APP_B, openPlatform: 'dev-account' },
        APP_SOLO,
      ],
      env: { ADMIN_API_KEY: adminKey, LOG_LEVEL: 'warn' },
    })
  })
  afterAll(() => t?.close())

  const deadlocks = async () => {
    const [row] = (await t.db.execute(
      sql`SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`,
    )) as unknown as { deadlocks: string }[]
    return Number(row!.deadlocks)
  }

  const phones = { next: 0 }
  /** A code login in each app and a phone login with a new number (which rewrites the user), at once. */
  async function logins(person: string) {
    const [shop, mall, phone] = await Promise.all([
      t.mintCode(person, 'shop'),
      t.mintCode(person, 'mall'),
      t.mintCode(person, 'shop'),
    ])
    const phoneNumber = `139${String(++phones.next).padStart(8, '0')}`
    const appId = t.config.connections[0]!.appId
    const minted = await t.simControl('/phone-codes', { appId, phoneNumber })
    return [
      t.request('POST', '/v1/connections/shop/login', { code: shop }),
      t.request('POST', '/v1/connections/mall/login', { code: mall }),
      t.request('POST', '/v1/connections/shop/login-by-phone', {
        code: phone,
        phoneCode: minted.code,
      }),
    ]
  }

  /** WeChat pushing `event` about the person to shop, answered as a request would be. */
  async function push(person: string, event: string, revokeInfo?: string) {
    const res = await t.simControl('/message-push', {
      url: `${t.url}/v1/connections/shop/wechat/events`,
      token: pushToken,
      mode: 'plain',
      appId: APP_A.appId,
      user: person,
      event,
      retries: 0,
      ...(revokeInfo ? { revokeInfo } : {}),
    })
    return { status: res.attempts[0].status as number, json: undefined as any } // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  /**
   * One person: a first login, a round of concurrent logins, one with WeChat withdrawing the phone, then a
   * round with the deletion too: by an operator for every other person, by WeChat's cancellation push for
   * the rest (one deleter per person, as before: two would delete the account a login's retries land on).
   */
  async function interleave(i: number) {
    const person = `lock-${i}`
    const first = await t.login(person, 'shop')
    const answers = []
    answers.push(...(await Promise.all(await logins(person))))
    const revoke = push(person, 'user_authorization_revoke', '8')
    answers.push(...(await Promise.all([...(await logins(person)), revoke])))
    const deletion =
      i % 2 === 0
        ? t.request('DELETE', `/v1/admin/users/${first.json.user.id}`, undefined, {
            authorization: `Bearer ${adminKey}`,
          })
        : push(person, 'user_authorization_cancellation')
    answers.push(...(await Promise.all([...(await logins(person)), deletion])))
    return answers.map((a) => (a.status < 300 ? a.status : `${a.status} ${a.json?.error?.code}`))
  }

  it(`never deadlocks across ${people} people`, async () => {
    const before = await deadlocks()
    const outcomes = new Map<string, number>()
    for (let start = 0; start < people; start += atOnce) {
      const batch = await Promise.all(
        Array.from({ length: atOnce }, (_, k) => interleave(start + k)),
      )
      for (const answers of batch)
        for (const a of answers) outcomes.set(String(a), (outcomes.get(String(a)) ?? 0) + 1)
    }
    expect(await deadlocks()).toBe(before)
    // Every answer is a success, or the deletion finding the account already gone: never a 5xx.
    const allowed = new Set(['200', '204', '404 user_not_found'])
    expect([...outcomes.keys()].filter((k) => !allowed.has(k))).toEqual([])
  }, 300_000)
})
