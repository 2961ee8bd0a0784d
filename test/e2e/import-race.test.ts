// An import racing the first logins of the same people (code logins in the Mini Program the file names, and
// in another of the developer account, found by unionid; phone logins) ends with one account per person,
// holding every identity, the phone and the externalId. On PostgreSQL the writers truly interleave.
import { eq, inArray, sql } from 'drizzle-orm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { users, wechatIdentities } from '../../service/db/schema'
import { openidFor, unionidFor } from '../../simulator/wire'
import { APP_A, APP_B, createTestApp, usePostgres, type TestApp } from '../helpers/test-app'

const ADMIN_KEY = 'admin-key-for-import-race-0123456789'
const PEOPLE = 40
let t: TestApp

beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_IP_PER_MINUTE: '0' } })
})
afterAll(() => t.close())

const person = (i: number) => `race-${i}`
const phoneOf = (i: number) => `139${String(70000000 + i)}`

const line = (i: number) =>
  JSON.stringify({
    externalId: `race-ext-${i}`,
    phone: phoneOf(i),
    identities: [
      {
        connection: 'shop',
        openid: openidFor(APP_A.appId, person(i)),
        unionid: unionidFor('dev-account', person(i)),
      },
    ],
  })

it('leaves one account per person when logins race the import of the same people', async () => {
  const deadlocksBefore = usePostgres() ? await deadlocks() : 0
  // Codes first, so that the logins, the phone logins and the imports start together.
  const logins = await Promise.all(
    Array.from({ length: PEOPLE }, async (_, i) => {
      const connection = i % 2 === 0 ? 'mall' : 'shop'
      const appId = connection === 'mall' ? APP_B.appId : APP_A.appId
      const code = await t.mintCode(person(i), connection)
      const phone =
        i % 4 === 1
          ? {
              code: await t.mintCode(person(i), 'shop'),
              phoneCode: (
                await t.simControl('/phone-codes', { appId: APP_A.appId, phoneNumber: phoneOf(i) })
              ).code,
            }
          : undefined
      return { connection, code, phone, appId }
    }),
  )
  const parts = [0, 1, 2, 3].map((p) =>
    Array.from({ length: PEOPLE / 4 }, (_, k) => line(p * (PEOPLE / 4) + k)).join('\n'),
  )
  const [imports, answers, phoneAnswers] = await Promise.all([
    Promise.all(
      parts.map((body) =>
        t.request('POST', '/v1/admin/users/import', body, {
          authorization: `Bearer ${ADMIN_KEY}`,
          'content-type': 'application/x-ndjson',
        }),
      ),
    ),
    Promise.all(
      logins.map((l) =>
        t.request('POST', `/v1/connections/${l.connection}/login`, { code: l.code }),
      ),
    ),
    Promise.all(
      logins.map((l) =>
        l.phone ? t.request('POST', '/v1/connections/shop/login-by-phone', l.phone) : undefined,
      ),
    ),
  ])
  for (const r of imports) expect(r.json).toMatchObject({ errorCount: 0 })
  const total = imports.reduce((n, r) => n + r.json.created + r.json.updated + r.json.skipped, 0)
  expect(total).toBe(PEOPLE)
  expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200))
  expect(phoneAnswers.filter(Boolean).map((a) => a!.status)).toEqual(
    phoneAnswers.filter(Boolean).map(() => 200),
  )

  for (let i = 0; i < PEOPLE; i++) {
    const unionid = unionidFor('dev-account', person(i))
    const owners = await t.db
      .selectDistinct({ userId: wechatIdentities.userId })
      .from(wechatIdentities)
      .where(eq(wechatIdentities.unionid, unionid))
    expect(owners, person(i)).toHaveLength(1)
    const [owner] = await t.db.select().from(users).where(eq(users.id, owners[0]!.userId))
    expect(owner, person(i)).toMatchObject({
      externalId: `race-ext-${i}`,
      phone: `+86${phoneOf(i)}`,
    })
    expect(answers[i]!.json.user.id, person(i)).toBe(owner!.id)
    if (phoneAnswers[i]) expect(phoneAnswers[i]!.json.user.id, person(i)).toBe(owner!.id)
  }
  const openids = Array.from({ length: PEOPLE }, (_, i) => openidFor(APP_A.appId, person(i)))
  const shopIdentities = await t.db
    .select()
    .from(wechatIdentities)
    .where(inArray(wechatIdentities.openid, openids))
  expect(shopIdentities).toHaveLength(PEOPLE)
  if (usePostgres()) expect(await deadlocks()).toBe(deadlocksBefore)
})

async function deadlocks(): Promise<number> {
  const rows = await t.db.execute(
    sql`SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`,
  )
  const list = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as {
    deadlocks: string | number
  }[]
  return Number(list[0]!.deadlocks)
}
