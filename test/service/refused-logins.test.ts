// Logins that must change nothing: a blocked person's code or phone login writes no row before its 403, a
// user deleted in the middle of a login answers as a vanished user, and a deletion forgets the addresses.
import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditEvents, sessions, users, wechatIdentities } from '../../service/db/schema'
import { createTestApp, type TestApp } from '../helpers/test-app'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_API_KEY: 'admin-key-for-refused-logins-0001' } })
})
afterAll(() => t.close())

const admin = { authorization: 'Bearer admin-key-for-refused-logins-0001' }
const block = (id: string) =>
  t.request('PATCH', `/v1/admin/users/${id}`, { status: 'blocked' }, admin)

/** Every row of the account tables except the audit log, which records the refusal. */
async function accountRows() {
  return {
    users: await t.db.select().from(users).orderBy(users.id),
    identities: await t.db.select().from(wechatIdentities).orderBy(wechatIdentities.id),
    sessions: await t.db.select().from(sessions).orderBy(sessions.id),
  }
}

describe("a blocked person's login", () => {
  it('refuses a code login with 403 user_blocked and changes no row, not even the login count', async () => {
    const login = await t.login('blocked-coder')
    expect((await block(login.json.user.id)).status).toBe(200)
    const before = await accountRows()
    const refused = await t.login('blocked-coder')
    expect(refused.status).toBe(403)
    expect(refused.json.error.code).toBe('user_blocked')
    // The same person in the developer account's other app: linking would write, so it is refused first.
    const other = await t.login('blocked-coder', 'mall')
    expect(other.json.error.code).toBe('user_blocked')
    expect(await accountRows()).toEqual(before)
  })

  it('refuses a phone login to a blocked account with no identity moved and no phone rewritten', async () => {
    const holder = await t.phoneLogin('blocked-holder', '13900139000', 'solo')
    const mover = await t.login('blocked-mover', 'shop')
    await t.login('blocked-mover', 'mall')
    expect((await block(holder.json.user.id)).status).toBe(200)
    const before = await accountRows()
    const refused = await t.phoneLogin('blocked-mover', '13900139000', 'shop')
    expect(refused.status).toBe(403)
    expect(refused.json.error.code).toBe('user_blocked')
    expect(await accountRows()).toEqual(before)
    // Nor a blocked person's own account, whose phone a new number would replace.
    expect((await block(mover.json.user.id)).status).toBe(200)
    const blocked = await accountRows()
    const own = await t.phoneLogin('blocked-mover', '13900139001', 'shop')
    expect(own.json.error.code).toBe('user_blocked')
    expect(await accountRows()).toEqual(blocked)
    const [row] = await t.db.select().from(users).where(eq(users.id, mover.json.user.id))
    expect(row!.phone).toBeNull()
  })
})

describe('a user deleted during a login', () => {
  it('answers 404 user_not_found, not a 500, and writes no session', async () => {
    const first = await t.login('vanishing')
    const id = first.json.user.id as string
    // The deletion lands between finding the account and writing the session: a trigger does it at the
    // session insert of this one user, as a concurrent DELETE /v1/me would.
    await t.db.execute(
      sql.raw(`CREATE FUNCTION vanish() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN DELETE FROM users WHERE id = '${id}'; RETURN NEW; END $$`),
    )
    await t.db.execute(
      sql.raw(`CREATE TRIGGER vanish BEFORE INSERT ON sessions FOR EACH ROW
        WHEN (NEW.user_id = '${id}') EXECUTE FUNCTION vanish()`),
    )
    try {
      const res = await t.login('vanishing')
      expect(res.status).toBe(404)
      expect(res.json.error.code).toBe('user_not_found')
    } finally {
      await t.db.execute(sql.raw('DROP TRIGGER vanish ON sessions'))
      await t.db.execute(sql.raw('DROP FUNCTION vanish()'))
    }
    // The failed statement rolled back whole (the trigger's deletion with it): only the first login's session.
    expect(await t.db.select().from(sessions).where(eq(sessions.userId, id))).toHaveLength(1)
  })
})

describe('deleting an account', () => {
  it("scrubs the addresses of the user's earlier audit events", async () => {
    const login = await t.login('forget-my-ip')
    const id = login.json.user.id
    const recorded = await t.db.select().from(auditEvents).where(eq(auditEvents.userId, id))
    expect(recorded.some((e) => e.ip)).toBe(true)
    const res = await t.request('DELETE', '/v1/me', undefined, t.bearer(login.json.accessToken))
    expect(res.status).toBe(204)
    const after = await t.db.select().from(auditEvents).where(eq(auditEvents.userId, id))
    expect(after.length).toBeGreaterThan(recorded.length)
    expect(after.map((e) => e.ip)).toEqual(after.map(() => null))
  })
})
