// The lock order of service/db/locks.ts, shown on PostgreSQL: code logins (in two apps of one developer
// account), phone logins and deletions of the same person, interleaved hundreds of times, never deadlock
// (PGlite runs one statement at a time, so only PostgreSQL can show it).
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, usePostgres, type TestApp } from '../helpers/test-app'

const people = 200
const atOnce = 10
const adminKey = 'admin-key-for-the-lock-order-test-01'

describe.runIf(usePostgres())('the lock order of account writers', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_API_KEY: adminKey, LOG_LEVEL: 'warn' } })
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

  /** One person: a first login, two rounds of concurrent logins, then a round with the deletion too. */
  async function interleave(i: number) {
    const person = `lock-${i}`
    const first = await t.login(person, 'shop')
    const answers = []
    for (let round = 0; round < 2; round++)
      answers.push(...(await Promise.all(await logins(person))))
    const deletion = t.request('DELETE', `/v1/admin/users/${first.json.user.id}`, undefined, {
      authorization: `Bearer ${adminKey}`,
    })
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
